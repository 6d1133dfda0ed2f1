"""What the API docs say about the account operations (accounts.api, accounts.security_api).

Written for the person reading Swagger UI or Redoc: what the operation does, what it
answers, and the errors worth knowing. The shape of each operation stays on the view.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view

from taskflow import api_tags as tag
from taskflow.schema import operation_doc as doc

REGISTER = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Create an account",
        "Creates an account with an email address and a password (optionally a name "
        "and a time zone, UTC otherwise) and answers the new user. Then sign in with "
        "POST /api/auth/login/.\n\n"
        "Where the site asks new users to confirm their email, the answer is a 202 "
        "instead: a link was emailed, and the account can sign in once it is followed. "
        "That answer is the same whether or not the address already had an account.\n\n"
        "A weak password, a malformed email or an address already taken is a 400 "
        "naming the field.",
    )
)
LOGIN = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Sign in",
        "Trades an email and password for a token pair: `access` (send it as "
        "`Authorization: Bearer …`, or paste it in the Authorize dialog) and `refresh` "
        "(to get a new pair when the access token expires).\n\n"
        "If the account has two-factor authentication, the answer is "
        "`{mfa_required: true, ticket}` instead: send the ticket and a code to "
        "POST /api/auth/login/mfa/.\n\n"
        "A wrong email or password is a 401, the same for both. An address not yet "
        "confirmed is a 403. Repeated failures are limited (429).",
    )
)
LOGIN_MFA = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Finish signing in with a second factor",
        "Completes a sign-in that answered `mfa_required`: send its `ticket` and a "
        "`code` from your authenticator app (or one of your recovery codes) and get the "
        "token pair.\n\n"
        "A wrong code is a 400 and the ticket can be tried again. A ticket lives 5 "
        "minutes and works once: an expired, used or unknown ticket is a 401; sign in "
        "again.",
    )
)
PASSWORD_RESET = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Request a password reset email",
        "Emails a link to choose a new password, if an active account has this "
        "address. The link works once, for one hour. The answer (202) is the same "
        "whether or not the address has an account.",
    )
)
PASSWORD_RESET_CONFIRM = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Set a new password from a reset link",
        "Sets a new password with the `uid` and `token` of the emailed link (the link "
        "ends in …/password/reset/key/`uid`-`token`/). Every device and token signed "
        "in to the account is signed out.\n\n"
        "An invalid, used or expired link, or a weak password, is a 400.",
    )
)
REFRESH = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Refresh the access token",
        "Trades the `refresh` token of a sign-in for a new token pair. Each refresh "
        "token works once: keep the new one.\n\n"
        "An expired, revoked or already used refresh token is a 401; sign in again. "
        "Using one twice signs that device out, since it means the token was copied.",
    )
)
LOGOUT = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Sign out",
        "Signs out the sign-in the `refresh` token belongs to: that refresh token and "
        "its access tokens stop working. Your other devices stay signed in.\n\n"
        "A refresh token that is not valid or not yours is a 401. Personal API tokens "
        "cannot sign out (403).",
    )
)
LOGOUT_ALL = extend_schema_view(
    post=doc(
        tag.AUTH,
        "Sign out everywhere",
        "Signs you out on every device: every access and refresh token, browser session "
        "and personal API token stops working, this one included. Sign in again to go "
        "on. Personal API tokens cannot do this (403).",
    )
)
ME = extend_schema_view(
    get=doc(
        tag.ACCOUNT,
        "Show your profile",
        "Your account: email, name, short bio, time zone and display preferences.",
    ),
    patch=doc(
        tag.ACCOUNT,
        "Change your profile",
        "Changes the fields you send (name, bio, time zone, week start, date format; "
        "email where the site does not confirm addresses) and answers the updated "
        "profile. Where addresses are confirmed, change your email in the app instead: "
        "the new address gets a link.\n\n"
        "Personal API tokens can read the profile but not change it (403).",
    ),
    delete=doc(
        tag.ACCOUNT,
        "Delete your account",
        "Deletes your account and everything that is only yours, at once: your Inbox, "
        "projects no one else is a member of, tokens and sessions. In projects shared "
        "with others, your comments and activity stay (shown as by a deleted user) and "
        "the tasks you created pass to the project's owner.\n\n"
        "Send your password and, if the account has two-factor authentication, a code "
        "(from the app or a recovery code); a wrong one is a 400, and failures count "
        "like failed sign-ins. If you are the only owner of a project shared with "
        "others, the answer is a 409 listing those projects: make someone else owner "
        "first. Personal API tokens cannot delete accounts (403).",
    ),
)
EXPORT = extend_schema_view(
    get=doc(
        tag.ACCOUNT,
        "Download your data",
        "One ZIP file of JSON files: your profile (never your password or two-factor "
        "secrets), your API tokens' names and dates (never the tokens), your sessions, "
        "your project memberships, the tasks you created that you can still see and "
        "every task of the projects you own, the comments you wrote, and your activity. "
        "`export.json` in the ZIP lists the files and when the export was made.\n\n"
        "Personal API tokens cannot download it (403).",
    )
)
PASSWORD_CHANGE = extend_schema_view(
    post=doc(
        tag.ACCOUNT,
        "Change your password",
        "Sets a new password, given the current one. Every device and token signed in "
        "to the account is then signed out, this one included: sign in again with the "
        "new password.\n\n"
        "A wrong current password or a weak new one is a 400. Personal API tokens "
        "cannot change passwords (403).",
    )
)
TOKENS = extend_schema_view(
    get=doc(
        tag.CREDENTIALS,
        "List your API tokens",
        "Your personal API tokens that were not revoked (expired ones are marked "
        "`expired`): name, scope (read, or read and write), the project a token is "
        "limited to if any, expiry, and when and from where it was last used. The "
        "tokens themselves are never shown again.",
    ),
    post=doc(
        tag.CREDENTIALS,
        "Create an API token",
        "Creates a personal API token for a script and answers it once, in `token`: "
        "copy it now, it cannot be shown again. Send it as `Authorization: Token tf_…`.\n\n"
        "`scope` is `read` (the default: nothing can be changed) or `write`. A token "
        "may be limited to one `project` and may expire (`expires_at`, in the future). "
        "There is a limit on how many tokens you can have (400: revoke one first).",
    ),
)
TOKEN = extend_schema_view(
    delete=doc(
        tag.CREDENTIALS,
        "Revoke an API token",
        "The token stops working at once. A token that is not yours is a 404.",
    )
)
SESSIONS = extend_schema_view(
    get=doc(
        tag.CREDENTIALS,
        "List your signed-in devices",
        "The browsers and API clients signed in to your account: device, address, when "
        "it signed in and was last seen. `current` marks the one making this request.",
    )
)
SESSION = extend_schema_view(
    delete=doc(
        tag.CREDENTIALS,
        "Sign out a device",
        "Ends one sign-in from the list: that browser or API client must sign in again. "
        "An id that is not one of your sessions is a 404.",
    )
)
