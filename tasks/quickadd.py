"""Quick add: one line of text -> the fields of a task. Pure: no database, no clock
(the caller passes ``now`` in the user's zone and the user's week start).

"Pay rent fri 9am !high #home @ana every month" -> title "Pay rent @ana", due the
next Friday at 09:00, priority high, tag "home", assignee hint "ana", repeat monthly.

Rules (docs/architecture.md, "Time"):
- Words that are not understood stay in the title, in order. Only the first date,
  time, priority and repeat are taken; a second one stays in the title.
- Words inside double quotes ("..." or “...”) are literal: the quotes go, the words
  stay in the title unparsed.
- A date word that is part of a name is not parsed: a possessive ("Friday's") never
  matches, and a Capitalised date word next to another Capitalised word that is not
  the first word ("Read Tomorrow's News Today", "Prep Black Friday sale") stays. Write
  dates in lower case to be sure ("call Mom friday").
- Weekday names mean the next such day after today ("fri" on a Friday is a week
  ahead); "next week" is the first day of next week (the user's week start); a month
  and day without a year is the next such date, today included.
- A time without a date is today if still ahead, else tomorrow. A repeat without a
  date starts on the rule's first day from today.
- "!1" is high, "!2" medium, "!3" low (as in Todoist).
- "@name" (the first one) is reported as ``assignee_hint`` and kept in ``title``;
  ``title_without_hint`` is the title without that word. Resolving the name needs
  the project's members (``projects.selectors.mention_member``): when it names one,
  quick add assigns them and uses ``title_without_hint``; otherwise the word stays.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from tasks.models import Priority

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}  # fmt: skip
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
} | {"sept": 9}  # fmt: skip
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
            "fourth": 4, "4th": 4, "last": -1}  # fmt: skip
UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
PRIORITIES = {
    "high": Priority.HIGH,
    "medium": Priority.MEDIUM,
    "med": Priority.MEDIUM,
    "low": Priority.LOW,
    "1": Priority.HIGH,
    "2": Priority.MEDIUM,
    "3": Priority.LOW,
}

_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_AMPM = re.compile(r"^(\d{1,2})(?::([0-5]\d))?(am|pm)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYNUM = re.compile(r"^([1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$")
_TAG = re.compile(r"^#([\w-]{1,32})$")
_MENTION = re.compile(r"^@([\w.-]{1,64})$")
_PRIORITY = re.compile(r"^!(high|medium|med|low|[123])$", re.IGNORECASE)
_TRAILING = ".,;:!?)"


@dataclass
class QuickAdd:
    title: str
    due_date: date | None = None
    due_time: time | None = None
    priority: int | None = None
    tags: list[str] = field(default_factory=list)
    assignee_hint: str | None = None
    repeat: str = ""
    # The title without the "@name" word (equal to ``title`` when there is none).
    title_without_hint: str = ""


@dataclass
class _Token:
    text: str
    literal: bool = False

    @property
    def word(self) -> str:
        return "" if self.literal else self.text.lower().rstrip(_TRAILING)


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(text):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        found.append(_Token(quoted, literal=True) if quoted is not None else _Token(match[3]))
    return found


def _capitalised(token: _Token) -> bool:
    return not token.literal and token.text[:1].isupper()


def _is_name(tokens: list[_Token], i: int) -> bool:
    """A Capitalised word beside another Capitalised word (not the first word)."""
    if not _capitalised(tokens[i]):
        return False
    before = i >= 2 and _capitalised(tokens[i - 1])
    after = i + 1 < len(tokens) and _capitalised(tokens[i + 1])
    return before or after


def _time(word: str) -> time | None:
    if word == "noon":
        return time(12, 0)
    match = _AMPM.match(word)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12:
            return None
        return time(hour % 12 + (12 if match[3] == "pm" else 0), minute)
    match = _CLOCK.match(word)
    return time(int(match[1]), int(match[2])) if match else None


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _month_day(month: int, day: int, today: date) -> date | None:
    for year in range(today.year, today.year + 5):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February outside a leap year: the next leap year
        if candidate >= today:
            return candidate
    return None


def _join(words: list[str]) -> str:
    return " ".join(" ".join(words).split())


def _unit(word: str) -> str | None:
    return UNITS.get(word[:-1] if word.endswith("s") else word)


class _Parser:
    def __init__(self, text: str, now: datetime, week_start: str) -> None:
        self.tokens = _tokens(text)
        self.today = now.date()
        self.now = now
        self.week_start = week_start
        self.result = QuickAdd(title="")
        self.kept: list[str] = []
        self.mention_at: int | None = None  # the index in ``kept`` of the "@name" word

    def words(self, i: int, count: int) -> list[str]:
        return [t.word for t in self.tokens[i : i + count]]

    def run(self) -> QuickAdd:
        i = 0
        while i < len(self.tokens):
            token = self.tokens[i]
            used = 0 if token.literal else self.match(i)
            if used:
                i += used
                continue
            self.kept.append(token.text)
            i += 1
        self.result.title = _join(self.kept)
        rest = [w for index, w in enumerate(self.kept) if index != self.mention_at]
        self.result.title_without_hint = _join(rest)
        return self.result

    def match(self, i: int) -> int:
        token, word = self.tokens[i], self.tokens[i].word
        result = self.result
        if _PRIORITY.match(token.text.rstrip(_TRAILING)) and result.priority is None:
            result.priority = PRIORITIES[token.text.rstrip(_TRAILING)[1:].lower()]
            return 1
        tag = _TAG.match(token.text.rstrip(_TRAILING))
        if tag and len(result.tags) < 10:
            if tag[1].lower() not in result.tags:
                result.tags.append(tag[1].lower())
            return 1
        mention = _MENTION.match(token.text.rstrip(_TRAILING))
        if mention and result.assignee_hint is None:
            result.assignee_hint = mention[1]
            self.mention_at = len(self.kept)  # run() keeps this token next
            return 0  # kept in the title (see the module's doc)
        if _is_name(self.tokens, i):
            return 0
        if word == "every" and not result.repeat:
            return self.repeat(i)
        if result.due_time is None:
            used = self.time(i)
            if used:
                return used
        if result.due_date is None:
            return self.date(i)
        return 0

    def time(self, i: int) -> int:
        word = self.tokens[i].word
        if word == "at" and i + 1 < len(self.tokens):
            found = _time(self.tokens[i + 1].word)
            if found and not self.tokens[i + 1].literal:
                self.result.due_time = found
                return 2
            return 0
        found = _time(word)
        if found:
            self.result.due_time = found
            return 1
        return 0

    def date(self, i: int) -> int:
        word, following = self.tokens[i].word, self.words(i + 1, 2)
        today, found, used = self.today, None, 1
        if word in ("today", "tod"):
            found = today
        elif word in ("tomorrow", "tmr", "tmrw"):
            found = today + timedelta(days=1)
        elif word in WEEKDAYS:
            found = _next_weekday(today, WEEKDAYS[word])
        elif word == "next" and following[:1] == ["week"]:
            first = 6 if self.week_start == "sunday" else 0
            found, used = _next_weekday(today, first), 2
            if found - today > timedelta(days=7):
                found -= timedelta(days=7)
        elif word == "next" and following[:1] == ["month"]:
            found, used = (today + relativedelta(months=1)).replace(day=1), 2
        elif word == "next" and following[:1] and following[0] in WEEKDAYS:
            found, used = _next_weekday(today, WEEKDAYS[following[0]]), 2
        elif word == "in" and len(following) == 2 and following[0].isdigit():
            count, unit = int(following[0]), _unit(following[1])
            if unit and 0 < count <= 999:
                step = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months",
                        "YEARLY": "years"}[unit]  # fmt: skip
                found, used = today + relativedelta(**{step: count}), 3
        elif _ISO.match(word):
            try:
                found = date.fromisoformat(word)
            except ValueError:
                found = None
        elif word in MONTHS and following[:1] and _DAYNUM.match(following[0]):
            day = int(_DAYNUM.match(following[0])[1])
            found, used = _month_day(MONTHS[word], day, today), 2
        elif _DAYNUM.match(word) and following[:1] and following[0] in MONTHS:
            day = int(_DAYNUM.match(word)[1])
            found, used = _month_day(MONTHS[following[0]], day, today), 2
        if found is None or any(t.literal for t in self.tokens[i : i + used]):
            return 0
        self.result.due_date = found
        return used

    def repeat(self, i: int) -> int:
        words = self.words(i + 1, 4)
        rule, used = None, 0
        first = words[0] if words else ""
        if first in ("weekday", "weekdays"):
            rule, used = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 1
        elif _unit(first) and (first in UNITS or first == "days"):
            rule, used = f"FREQ={_unit(first)}", 1
        elif first == "other" and len(words) > 1 and words[1] in UNITS:
            rule, used = f"FREQ={UNITS[words[1]]};INTERVAL=2", 2
        elif first.isdigit() and len(words) > 1 and _unit(words[1]) and 1 <= int(first) <= 999:
            interval = int(first)
            rule = f"FREQ={_unit(words[1])}" + (f";INTERVAL={interval}" if interval > 1 else "")
            used = 2
        elif first in ORDINALS and len(words) > 1 and words[1] in WEEKDAYS:
            rule = f"FREQ=MONTHLY;BYDAY={ORDINALS[first]}{RRULE_DAYS[WEEKDAYS[words[1]]]}"
            used = 2
        elif first in WEEKDAYS:
            days = [WEEKDAYS[first]]
            used = 1
            while len(words) > used + 1 and words[used] == "and" and words[used + 1] in WEEKDAYS:
                days.append(WEEKDAYS[words[used + 1]])
                used += 2
            byday = ",".join(RRULE_DAYS[d] for d in sorted(set(days)))
            rule = f"FREQ=WEEKLY;BYDAY={byday}"
        if rule is None or any(t.literal for t in self.tokens[i : i + 1 + used]):
            return 0
        self.result.repeat = rule
        return 1 + used


def parse(text: str, *, now: datetime, week_start: str = "monday") -> QuickAdd:
    """Parse ``text``; ``now`` is the current moment in the user's zone."""
    from tasks import recurrence

    result = _Parser(text, now, week_start).run()
    if result.due_date is not None:
        return result
    today = now.date()
    ahead = result.due_time is None or result.due_time > now.time().replace(second=0, microsecond=0)
    if result.repeat:
        first = recurrence.first_on_or_after(result.repeat, today, week_start)
        if first == today and not ahead:
            first = recurrence.first_on_or_after(
                result.repeat, today + timedelta(days=1), week_start
            )
        result.due_date = first
    elif result.due_time is not None:
        result.due_date = today if ahead else today + timedelta(days=1)
    return result
