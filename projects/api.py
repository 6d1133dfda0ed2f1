"""JSON API for projects, members and invitations (SPEC §7). Thin: access through
``projects.roles`` (404 for non-members, 403 below the role), writes through
``projects.services``, reads through ``projects.selectors``; same conventions as the
tasks API (ETag/If-Match, cursor pages, {"detail", "code"} errors)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from projects import api_docs, roles, selectors, services
from projects.models import Invitation, Membership
from projects.serializers import (
    InvitationSerializer,
    InviteSerializer,
    MemberSerializer,
    MembershipResultSerializer,
    ProjectSerializer,
    RoleSerializer,
    TransferSerializer,
)
from tasks import selectors as task_selectors
from tasks.activity_serializers import ActivitySerializer
from tasks.api import (
    ERROR,
    IF_MATCH,
    LIST_PARAMETERS,
    ActivityPageSerializer,
    expected_version,
    page_serializer,
    with_etag,
)
from tasks.comments import project_activity
from tasks.pagination import paginated_body
from tasks.serializers import StatsSerializer

ProjectPage = page_serializer("ProjectPage", ProjectSerializer)
MemberPage = page_serializer("MemberPage", MemberSerializer)
InvitationPage = page_serializer("InvitationPage", InvitationSerializer)
ID = "[^/]+"


def _project_body(membership: Membership) -> dict[str, Any]:
    return ProjectSerializer(membership.project, context={"my_role": membership.role}).data


@api_docs.PROJECTS
@extend_schema_view(
    list=extend_schema(
        parameters=LIST_PARAMETERS, responses={200: ProjectPage, 400: ERROR, 404: ERROR}
    ),
    retrieve=extend_schema(responses={200: ProjectSerializer, 404: ERROR}),
    create=extend_schema(responses={201: ProjectSerializer, 400: ERROR}),
    partial_update=extend_schema(
        parameters=[IF_MATCH],
        responses={200: ProjectSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 412: ERROR},
    ),
    destroy=extend_schema(responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR}),
)
class ProjectViewSet(viewsets.GenericViewSet):
    serializer_class = ProjectSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.my_projects(self.request.user)

    def _membership(self, min_role: str = roles.Role.VIEWER) -> Membership:
        return roles.get_membership_for(self.request.user, self.kwargs["pk"], min_role)

    def list(self, request: Request) -> Response:
        return Response(
            paginated_body(
                request,
                self.get_queryset(),
                "-created_at",
                lambda rows: ProjectSerializer(rows, many=True).data,
            )
        )

    def create(self, request: Request) -> Response:
        data = ProjectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(
            actor=request.user,
            name=data.validated_data["name"],
            description=data.validated_data.get("description", ""),
        )
        body = ProjectSerializer(project, context={"my_role": roles.Role.OWNER}).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:project-detail", kwargs={"pk": project.pk})
        return with_etag(response, project)

    def retrieve(self, request: Request, pk: str) -> Response:
        membership = self._membership()
        return with_etag(Response(_project_body(membership)), membership.project)

    def partial_update(self, request: Request, pk: str) -> Response:
        membership = self._membership()
        # The body first, as for tasks: an invalid request is a 400 whatever its
        # If-Match says (a 412 would tell the client to re-read and retry the same body).
        data = ProjectSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        expected = expected_version(request)
        project = services.project_update(
            actor=request.user,
            membership=membership,
            changes=dict(data.validated_data),
            expected_version=expected,
        )
        body = ProjectSerializer(project, context={"my_role": membership.role}).data
        return with_etag(Response(body), project)

    def destroy(self, request: Request, pk: str) -> Response:
        services.project_delete(actor=request.user, membership=self._membership())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: StatsSerializer, 404: ERROR})
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str) -> Response:
        return Response(task_selectors.project_stats(self._membership().project))

    @extend_schema(
        parameters=LIST_PARAMETERS, responses={200: ActivityPageSerializer, 400: ERROR, 404: ERROR}
    )
    @action(detail=True, methods=["get"])
    def activity(self, request: Request, pk: str) -> Response:
        project = self._membership().project
        return Response(
            paginated_body(
                request,
                project_activity(project.pk),
                "-created_at",
                lambda rows: ActivitySerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=TransferSerializer,
        responses={200: MemberSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.project_transfer(
            actor=request.user,
            membership=self._membership(),
            to_user_id=data.validated_data["user_id"],
        )
        return Response(MemberSerializer(target).data)


@api_docs.MEMBERS
@extend_schema_view(
    list=extend_schema(
        parameters=LIST_PARAMETERS, responses={200: MemberPage, 400: ERROR, 404: ERROR}
    ),
    create=extend_schema(
        request=InviteSerializer,
        responses={201: InvitationSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
    partial_update=extend_schema(
        request=RoleSerializer,
        responses={200: MemberSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
    destroy=extend_schema(
        responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
)
class MemberViewSet(viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    lookup_field = "user_id"
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return Membership.objects.none()

    def _membership(self) -> Membership:
        return roles.get_membership_for(self.request.user, self.kwargs["project_pk"])

    def list(self, request: Request, project_pk: str) -> Response:
        project = self._membership().project
        return Response(
            paginated_body(
                request,
                selectors.project_members(project),
                "created_at",
                lambda rows: MemberSerializer(rows, many=True).data,
            )
        )

    def create(self, request: Request, project_pk: str) -> Response:
        membership = self._membership()
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.member_invite(
            actor=request.user, membership=membership, **data.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, project_pk: str, user_id: str) -> Response:
        membership = self._membership()
        # A PATCH may name no field (the schema's PATCH body has none required): then
        # nothing changes, as for any other partial update.
        data = RoleSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        target = services.member_change_role(
            actor=request.user,
            membership=membership,
            user_id=user_id,
            role=data.validated_data.get("role"),
        )
        return Response(MemberSerializer(target).data)

    def destroy(self, request: Request, project_pk: str, user_id: str) -> Response:
        services.member_remove(actor=request.user, membership=self._membership(), user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.PROJECT_INVITATIONS
@extend_schema_view(
    list=extend_schema(
        parameters=LIST_PARAMETERS,
        responses={200: InvitationPage, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
    destroy=extend_schema(
        responses={204: None, 400: ERROR, 403: ERROR, 404: ERROR},
    ),
)
class ProjectInvitationViewSet(viewsets.GenericViewSet):
    """Pending invitations of one project (admins and owners)."""

    serializer_class = InvitationSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return Membership.objects.none()

    def _membership(self) -> Membership:
        return roles.get_membership_for(self.request.user, self.kwargs["project_pk"], roles.MANAGE)

    def list(self, request: Request, project_pk: str) -> Response:
        project = self._membership().project
        return Response(
            paginated_body(
                request,
                selectors.project_invitations(project).select_related("project"),
                "-created_at",
                lambda rows: InvitationSerializer(rows, many=True).data,
            )
        )

    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        services.invitation_revoke(
            actor=request.user, membership=self._membership(), invitation_id=pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@api_docs.INVITATIONS
@extend_schema_view(
    list=extend_schema(
        parameters=LIST_PARAMETERS, responses={200: InvitationPage, 400: ERROR, 404: ERROR}
    ),
)
class InvitationViewSet(viewsets.GenericViewSet):
    """Invitations addressed to me (my email), open ones only."""

    serializer_class = InvitationSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "head", "options"]

    queryset = Invitation.objects.none()  # the schema's model; reads use my_invitations

    def list(self, request: Request) -> Response:
        return Response(
            paginated_body(
                request,
                selectors.my_invitations(request.user),
                "-created_at",
                lambda rows: InvitationSerializer(rows, many=True).data,
            )
        )

    @extend_schema(
        request=None,
        responses={200: MembershipResultSerializer, 400: ERROR, 404: ERROR},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        membership = services.invitation_accept(actor=request.user, invitation_id=pk)
        return Response(MembershipResultSerializer(membership).data)

    @extend_schema(
        request=None,
        responses={
            200: InvitationSerializer,
            400: ERROR,
            404: OpenApiResponse(description="Not an invitation addressed to you."),
        },
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        invitation = services.invitation_decline(actor=request.user, invitation_id=pk)
        return Response(InvitationSerializer(invitation).data)
