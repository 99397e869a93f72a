"""Between HTML fields and answers (issue 7, ``adapters/webform/fields.py``): what a practitioner posts
for each question type becomes an answer, a cleared answer (left blank) or a problem that names the
question; an answer is shown again in its inputs and in words. Dates are day/month/year boxes; a date
and time adds hour and minute, read as UK time (Europe/London) with the right offset either side of the
clocks changing.

Round trips (hypothesis): an answer shown in its inputs and posted back unchanged is the same answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from sharewise.adapters.webform.fields import PagePost, answer_in_words, long_date, read_page, typed_value
from sharewise.core.formdef import INTEGER_BOUND, Option, Question

UK = ZoneInfo("Europe/London")
OPTIONS = (Option("police", "Police"), Option("health_gp", "GP practice"), Option("education", "School"))


def question(qtype: str, **extra: Any) -> Question:
    """A question of ``qtype`` with a recognisable label (and three options for choosing types)."""
    options = OPTIONS if qtype in ("choice", "multi") else ()
    return Question(id="q", type=qtype, label=f"The {qtype} question", section="s", options=options, **extra)


def read(q: Question, fields: dict[str, Any] | list[tuple[str, str]]) -> PagePost:
    """``read_page`` of one question from posted fields (a list value posts the name repeatedly)."""
    if isinstance(fields, dict):
        pairs = [(k, v) for k, value in fields.items() for v in (value if isinstance(value, list) else [value])]
    else:
        pairs = fields
    return read_page([q], MultiDict(pairs))


def outcome(post: PagePost) -> tuple[str, Any]:
    """``("answer", value)``, ``("cleared", None)`` or ``("problem", message)`` for the one question."""
    if "q" in post.problems:
        assert "q" not in post.answers and "q" not in post.cleared, post
        return "problem", post.problems["q"]
    if "q" in post.cleared:
        assert "q" not in post.answers, post
        return "cleared", None
    assert "q" in post.answers, f"the question is neither answered, cleared nor a problem: {post}"
    return "answer", post.answers["q"]


def date_fields(
    day: str = "", month: str = "", year: str = "", hour: str | None = None, minute: str | None = None
) -> dict[str, str]:
    fields = {"q-day": day, "q-month": month, "q-year": year}
    if hour is not None:
        fields["q-hour"] = hour
    if minute is not None:
        fields["q-minute"] = minute
    return fields


# ---- reading each type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "expected"),
    [("yes", ("answer", True)), ("no", ("answer", False)), ("", ("cleared", None))],
)
def test_yes_no(posted, expected):
    assert outcome(read(question("yes_no"), {"q": posted})) == expected


@pytest.mark.parametrize("qtype", ["yes_no", "choice", "multi", "text", "textarea", "integer", "date", "datetime"])
def test_a_question_not_posted_at_all_is_cleared(qtype):
    assert outcome(read(question(qtype), {})) == ("cleared", None), "a field the browser did not send reads as blank"


@pytest.mark.parametrize(
    ("qtype", "fields"),
    [
        ("yes_no", {"q": "maybe"}),
        ("yes_no", {"q": "true"}),
        ("choice", {"q": "wizards"}),
        ("choice", {"q": "Police"}),
        ("multi", {"q": ["police", "wizards"]}),
        ("integer", {"q": "seven"}),
        ("integer", {"q": "7.5"}),
        ("integer", {"q": "1e3"}),
        ("integer", {"q": "9" * 19}),
        ("date", date_fields("31", "2", "2026")),
        ("date", date_fields("1", "13", "2026")),
        ("date", date_fields("0", "1", "2026")),
        ("date", date_fields("1", "1", "999")),
        ("date", date_fields("one", "1", "2026")),
        ("date", date_fields("-1", "1", "2026")),
        ("date", date_fields("١", "1", "2026")),  # an Arabic-Indic digit one: not "written in numbers" here
        ("datetime", date_fields("1", "1", "2026", "24", "00")),
        ("datetime", date_fields("1", "1", "2026", "12", "60")),
        ("datetime", date_fields("30", "2", "2026", "12", "00")),
        ("datetime", date_fields("1", "1", "999", "12", "00")),
        ("datetime", date_fields("1", "1", "2026", "noon", "00")),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_value_that_cannot_be_read_is_a_problem_naming_the_question(qtype, fields):
    q = question(qtype)

    kind, message = outcome(read(q, fields))

    assert kind == "problem", f"{fields} should be refused, got {kind} {message!r}"
    assert q.label in message, f"the message names the question's label: {message!r}"


def test_choice_reads_the_option_code():
    assert outcome(read(question("choice"), {"q": "health_gp"})) == ("answer", "health_gp")
    assert outcome(read(question("choice"), {"q": ""})) == ("cleared", None)


def test_multi_reads_the_options_in_the_forms_order_once_each():
    q = question("multi")

    assert outcome(read(q, {"q": ["education", "police"]})) == ("answer", ["police", "education"])
    assert outcome(read(q, {"q": ["police", "police"]})) == ("answer", ["police"]), "a repeated box counts once"
    assert outcome(read(q, {"q": ["", "police"]})) == ("answer", ["police"])
    assert outcome(read(q, {"q": []})) == ("cleared", None), "no box ticked clears the answer"


@pytest.mark.parametrize("qtype", ["text", "textarea"])
def test_text_is_trimmed_and_blank_text_is_cleared(qtype):
    q = question(qtype)

    assert outcome(read(q, {"q": "  Duty social worker  "})) == ("answer", "Duty social worker")
    assert outcome(read(q, {"q": "   "})) == ("cleared", None)
    assert outcome(read(q, {"q": "\r\n\t"})) == ("cleared", None)


def test_textarea_line_endings_are_normalised():
    q = question("textarea")

    post = read(q, {"q": "First line\r\nSecond line\rThird line\n"})

    assert outcome(post) == ("answer", "First line\nSecond line\nThird line")
    assert post.typed["q"] == "First line\nSecond line\nThird line\n", "what was typed is kept (normalised) to show again"


@pytest.mark.parametrize(
    ("posted", "expected"),
    [("7", 7), (" 7 ", 7), ("1,000", 1000), ("12,345,678", 12_345_678), ("-3", -3), ("+4", 4), ("007", 7)],
)
def test_integer(posted, expected):
    assert outcome(read(question("integer"), {"q": posted})) == ("answer", expected)


def test_integer_blank_is_cleared_and_a_problem_keeps_what_was_typed():
    q = question("integer")

    assert outcome(read(q, {"q": "  "})) == ("cleared", None)
    post = read(q, {"q": "seven"})
    assert post.typed["q"] == "seven", "what was typed is shown again with the error"


def test_date():
    q = question("date")

    assert outcome(read(q, date_fields("27", "3", "2026"))) == ("answer", "2026-03-27")
    assert outcome(read(q, date_fields("07", "03", "2026"))) == ("answer", "2026-03-07")
    assert outcome(read(q, date_fields(" 1 ", " 1 ", " 2026 "))) == ("answer", "2026-01-01")
    assert outcome(read(q, date_fields("29", "2", "2028"))) == ("answer", "2028-02-29"), "a leap day"
    assert outcome(read(q, date_fields("1", "1", "1000"))) == ("answer", "1000-01-01"), "the earliest year accepted"
    assert outcome(read(q, date_fields())) == ("cleared", None)
    assert outcome(read(q, date_fields(" ", "", " "))) == ("cleared", None)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        (date_fields("", "3", "2026"), ["day"]),
        (date_fields("27", "", "2026"), ["month"]),
        (date_fields("27", "3", ""), ["year"]),
        (date_fields("27", "", ""), ["month", "year"]),
        (date_fields("", "", "2026"), ["day", "month"]),
    ],
)
def test_a_date_with_a_missing_part_names_the_part(fields, named):
    q = question("date")

    kind, message = outcome(read(q, fields))

    assert kind == "problem"
    assert q.label in message
    for part in named:
        assert part in message, f"the message should name the missing {part}: {message!r}"
    for part in {"day", "month", "year"} - set(named):
        assert f"a {part}" not in message, f"the {part} was given, yet the message asks for it: {message!r}"
    assert read(q, fields).typed["q"] == {k.removeprefix("q-"): v for k, v in fields.items()}, "what was typed is kept"


def test_a_date_and_time_with_a_missing_time_names_it():
    q = question("datetime")

    kind, message = outcome(read(q, date_fields("27", "3", "2026", "", "30")))
    assert kind == "problem" and "hour" in message, message
    kind, message = outcome(read(q, date_fields("27", "3", "2026", "14", "")))
    assert kind == "problem" and "minute" in message, message


def test_a_missing_hour_is_asked_for_in_plain_english():
    """GOV.UK pattern: "… must include an hour" (not "a hour")."""
    _, message = outcome(read(question("datetime"), date_fields("27", "3", "2026", "", "30")))

    assert "a hour" not in message, f"the message says 'a hour': {message!r}"
    assert "an hour" in message, message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # winter: GMT
        (date_fields("21", "11", "2026", "9", "30"), "2026-11-21T09:30:00+00:00"),
        # summer: BST
        (date_fields("1", "6", "2026", "14", "05"), "2026-06-01T14:05:00+01:00"),
        # the clocks go forward at 01:00 GMT on 29 March 2026
        (date_fields("29", "3", "2026", "00", "59"), "2026-03-29T00:59:00+00:00"),
        (date_fields("29", "3", "2026", "02", "00"), "2026-03-29T02:00:00+01:00"),
        # the clocks go back at 02:00 BST on 25 October 2026
        (date_fields("25", "10", "2026", "00", "30"), "2026-10-25T00:30:00+01:00"),
        (date_fields("25", "10", "2026", "02", "00"), "2026-10-25T02:00:00+00:00"),
        (date_fields("31", "12", "2026", "23", "59"), "2026-12-31T23:59:00+00:00"),
        (date_fields("1", "1", "2027", "0", "0"), "2027-01-01T00:00:00+00:00"),
    ],
)
def test_a_date_and_time_is_uk_time_with_the_offset_of_that_day(fields, expected):
    assert outcome(read(question("datetime"), fields)) == ("answer", expected)


def test_a_time_that_the_clocks_skip_is_not_silently_moved():
    """01:30 on 29 March 2026 does not exist in the UK (the clocks go from 01:00 to 02:00). The form must
    either refuse it or keep it as typed; it must not save an answer that shows as a different time."""
    q = question("datetime")

    kind, answer = outcome(read(q, date_fields("29", "3", "2026", "01", "30")))

    if kind == "answer":
        shown = typed_value(q, answer)
        assert (shown["hour"], shown["minute"]) == ("01", "30"), (
            f"typed 01:30, saved {answer!r}, which the form shows again as {shown['hour']}:{shown['minute']} "
            f"and reads as {answer_in_words(q, answer)}"
        )
    else:
        assert kind == "problem" and q.label in answer


LONG = "9" * 20


@pytest.mark.parametrize(
    ("qtype", "fields"),
    [
        ("date", date_fields("1", "1", LONG)),
        ("date", date_fields(LONG, "1", "2026")),
        ("date", date_fields("1", LONG, "2026")),
        ("datetime", date_fields("1", "1", LONG, "12", "00")),
        ("datetime", date_fields("1", "1", "2026", LONG, "00")),
        ("datetime", date_fields("1", "1", "2026", "12", LONG)),
    ],
    ids=["date-year", "date-day", "date-month", "datetime-year", "datetime-hour", "datetime-minute"],
)
def test_a_very_long_number_in_a_date_box_is_a_problem_not_a_crash(qtype, fields):
    """Twenty 9s typed (or pasted) into a date box: the practitioner gets the "real date" message; reading
    the page must not raise (an OverflowError here is a 500 for the whole page)."""
    q = question(qtype)

    try:
        kind, message = outcome(read(q, fields))
    except OverflowError as exc:
        pytest.fail(f"reading {fields} raised OverflowError: {exc}")

    assert kind == "problem" and q.label in message


def test_read_page_reads_only_the_questions_given_and_keeps_what_was_typed():
    yes_no, text, date = (
        question("yes_no"),
        Question(id="t", type="text", label="T", section="s"),
        Question(id="d", type="date", label="D", section="s"),
    )
    posted = MultiDict([("q", "yes"), ("t", " x "), ("d-day", "31"), ("d-month", "2"), ("d-year", "2026"), ("other", "1")])

    post = read_page([yes_no, text, date], posted)

    assert post.answers == {"q": True, "t": "x"}
    assert set(post.problems) == {"d"}
    assert post.typed == {"q": "yes", "t": " x ", "d": {"day": "31", "month": "2", "year": "2026"}}
    assert "other" not in post.answers and "other" not in post.cleared


# ---- showing an answer again ----------------------------------------------------------------------


def test_typed_value_of_each_type():
    assert typed_value(question("yes_no"), True) == "yes"
    assert typed_value(question("yes_no"), False) == "no"
    assert typed_value(question("choice"), "police") == "police"
    assert typed_value(question("multi"), ["police", "education"]) == ["police", "education"]
    assert typed_value(question("integer"), 12) == "12"
    assert typed_value(question("date"), "2026-03-07") == {"day": "7", "month": "3", "year": "2026"}
    assert typed_value(question("datetime"), "2026-06-01T12:00:00Z") == {
        "day": "1",
        "month": "6",
        "year": "2026",
        "hour": "13",
        "minute": "00",
    }, "a time given in UTC is shown in UK time"
    for qtype, empty in [("multi", []), ("date", {}), ("datetime", {}), ("text", ""), ("yes_no", "")]:
        assert typed_value(question(qtype), None) == empty


def test_answer_in_words():
    assert answer_in_words(question("yes_no"), True) == ["Yes"]
    assert answer_in_words(question("yes_no"), False) == ["No"]
    assert answer_in_words(question("choice"), "health_gp") == ["GP practice"]
    assert answer_in_words(question("multi"), ["police", "education"]) == ["Police", "School"]
    assert answer_in_words(question("date"), "2026-11-25") == ["25 November 2026"]
    assert answer_in_words(question("datetime"), "2026-07-04T08:15:00Z") == ["4 July 2026, 09:15"]
    assert answer_in_words(question("datetime"), "2026-11-21T09:30:00+00:00") == ["21 November 2026, 09:30"]
    assert answer_in_words(question("textarea"), "one\ntwo") == ["one", "two"]
    assert answer_in_words(question("text"), "one") == ["one"]
    assert answer_in_words(question("integer"), 7) == ["7"]
    assert answer_in_words(question("text"), None) == []


def test_long_date_names_every_month():
    months = [long_date(dt.date(2026, month, 1)).split()[1] for month in range(1, 13)]

    assert months == [dt.date(2026, m, 1).strftime("%B") for m in range(1, 13)]


# ---- round trips (hypothesis) ---------------------------------------------------------------------


def posted_from(q: Question, typed: Any) -> MultiDict:
    """What a browser posts for a question whose inputs show ``typed``."""
    if q.type in ("date", "datetime"):
        return MultiDict([(f"q-{part}", value) for part, value in typed.items()])
    if q.type == "multi":
        return MultiDict([("q", value) for value in typed])
    return MultiDict([("q", typed)])


def round_trip(q: Question, answer: Any) -> tuple[str, Any]:
    return outcome(read_page([q], posted_from(q, typed_value(q, answer))))


def _canonical(codes: list[str]) -> list[str]:
    order = [option.code for option in OPTIONS]
    return sorted(codes, key=order.index)


TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r"), min_size=1, max_size=60).map(str.strip)

ANSWERS = {
    "yes_no": st.booleans(),
    "choice": st.sampled_from([o.code for o in OPTIONS]),
    "multi": st.lists(st.sampled_from([o.code for o in OPTIONS]), min_size=1, unique=True).map(_canonical),
    "text": TEXT.filter(lambda t: t and "\n" not in t),
    "textarea": TEXT.filter(bool),
    "integer": st.integers(-INTEGER_BOUND, INTEGER_BOUND),
    "date": st.dates(min_value=dt.date(1000, 1, 1)).map(dt.date.isoformat),
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ANSWERS)).flatmap(lambda qtype: st.tuples(st.just(qtype), ANSWERS[qtype])))
def test_an_answer_shown_and_posted_back_unchanged_is_the_same_answer(case):
    qtype, answer = case
    q = question(qtype)

    assert round_trip(q, answer) == ("answer", answer), f"{qtype} answer {answer!r} changed on its way through the page"


def _exists_in_uk_time(local: dt.datetime) -> bool:
    """Whether this wall-clock time happens in the UK (not in the hour skipped when the clocks go forward)."""
    aware = local.replace(tzinfo=UK)
    return aware.astimezone(dt.UTC).astimezone(UK).replace(tzinfo=None) == local


UK_WALL_TIMES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31, 23, 59)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(UK_WALL_TIMES.filter(_exists_in_uk_time))
@example(dt.datetime(2026, 3, 29, 0, 59))
@example(dt.datetime(2026, 3, 29, 2, 0))
@example(dt.datetime(2026, 10, 25, 1, 30))  # happens twice: read as the first (BST), and shown as typed
@example(dt.datetime(2026, 10, 25, 2, 0))
def test_a_date_and_time_typed_in_uk_time_is_shown_again_as_typed(local):
    q = question("datetime")
    typed = date_fields(str(local.day), str(local.month), str(local.year), f"{local.hour:02d}", f"{local.minute:02d}")

    kind, answer = outcome(read(q, typed))

    assert kind == "answer", answer
    assert dt.datetime.fromisoformat(answer).astimezone(UK).replace(tzinfo=None) == local, f"{answer} is not {local} in UK time"
    assert round_trip(q, answer) == ("answer", answer), f"{answer} changed on its way through the page"


def _repeated_hour(moment: dt.datetime) -> bool:
    """Whether this instant falls in the hour the UK lives twice when the clocks go back (its second time)."""
    local = moment.astimezone(UK)
    return local.fold == 1 or local.replace(fold=1).utcoffset() != local.replace(fold=0).utcoffset()


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31), timezones=st.just(dt.UTC))
    .map(lambda moment: moment.replace(second=0, microsecond=0))
    .filter(lambda moment: not _repeated_hour(moment))
)
@example(dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC))
@example(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC))  # 00:30 the next day in UK time
def test_a_date_and_time_given_in_any_offset_is_shown_in_uk_time_as_the_same_moment(moment):
    q = question("datetime")

    kind, answer = round_trip(q, moment.isoformat().replace("+00:00", "Z"))

    assert kind == "answer", answer
    assert dt.datetime.fromisoformat(answer) == moment, f"{moment} came back as {answer}"


@settings(max_examples=300, deadline=None)
@example("date", [("q-day", "1"), ("q-month", "1"), ("q-year", "9" * 20)])
@given(
    st.sampled_from(["yes_no", "choice", "multi", "text", "textarea", "integer", "date", "datetime"]),
    st.lists(
        st.tuples(
            st.sampled_from(["q", "q-day", "q-month", "q-year", "q-hour", "q-minute", "other"]),
            st.text(max_size=30)
            | st.from_regex(r"\A[0-9]{1,40}\Z")
            | st.sampled_from(["yes", "no", "police", "1,0", "31", "2", "2026", "\x00", "٣"]),
        ),
        max_size=8,
    ),
)
def test_reading_any_post_gives_an_answer_a_clearing_or_a_problem(qtype, pairs):
    q = question(qtype)

    kind, value = outcome(read_page([q], MultiDict(pairs)))

    if kind == "problem":
        assert q.label in value
