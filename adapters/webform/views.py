"""The embedded form: the pages a launch URL opens inside the host, one section per page, each checked by the
engine and saved as a draft when it is submitted; "check your answers"; the confirmation.

Routes (all under ``/embed``): ``launch/<code>`` (single use) → ``section/<id>`` (GET, POST) → ``check``
(GET, POST submits) → ``done``. ``saved`` after "save and come back later"; ``theme.css`` for the host's look.
Everything works without JavaScript; ``static/sharewise.js`` only enhances.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, g, make_response, redirect, render_template, request, session, url_for

from sharewise.adapters.bridge.state import bridge
from sharewise.adapters.webform import form_session
from sharewise.adapters.webform.fields import PagePost, long_date, read_page, typed_value
from sharewise.adapters.webform.form_session import FormSession
from sharewise.adapters.webform.pages import FormPages, Page
from sharewise.adapters.webform.presentation import PageView, anchor, source_of, summary_rows, theme_css
from sharewise.core import launch
from sharewise.core.drafts import Draft, DraftNotFound, Drafts
from sharewise.core.engine import Evaluation
from sharewise.core.findings import Finding
from sharewise.core.formdef import Section
from sharewise.core.hosts import HostNotFound
from sharewise.core.prefill import prefilled_answers
from sharewise.core.store.store import RecordNotFound
from sharewise.core.submission import SubmissionRefused

blp = Blueprint(
    "embed",
    __name__,
    url_prefix="/embed",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


# ---- launching and resuming -------------------------------------------------------------------------


@blp.route("/launch/<code>")
def open_launch(code: str) -> Response:
    """Redeem the code (once), resume this practitioner's saved draft for the case or start one, and go to
    the first page still to complete; a used, expired or unknown code is refused."""
    state = bridge()
    try:
        opened = launch.redeem(state.store, code, now=state.clock())
    except launch.LaunchRefused as refused:
        return _message("This link cannot be used", [f"{str(refused).capitalize()}."], status=410)
    if opened.form_id not in state.engine.forms.ids():
        return _message("This form is not available", ["Ask your system administrator which forms are switched on."], status=404)
    drafts = _drafts()
    context = {key: value for key, value in opened.context.items() if key != "theme"}
    resume_key = _resume_key(opened.form_id, context)
    draft = drafts.resumable(resume_key, host=opened.host) if resume_key else None
    resumed = draft is not None
    if draft is None:
        draft = drafts.save(
            opened.form_id,
            _usable_prefill(opened.form_id, context),
            host=opened.host,
            author=context.get("practitioner") or {},
            context=context,
            resume_key=resume_key,
        )
    form_session.start(opened, draft.id)
    form_session.remember("theme", opened.context.get("theme") or {})
    if resumed:
        form_session.remember("resumed", draft.updated_at.date().isoformat())
    pages = _pages(opened.form_id)
    first = pages.first_incomplete(draft.answers) if resumed else pages.sections(pages.visibility(draft.answers))[0]
    target = url_for("embed.section_page", section_id=first.id) if first else url_for("embed.check_page")
    return redirect(target, code=303)


def _usable_prefill(form_id: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """What the host's context pre-fills, less any value the form would refuse (say an agency type it does
    not offer): the practitioner answers that question themselves."""
    engine = bridge().engine
    prefill = prefilled_answers(engine.form(form_id), context)
    refused = {finding.field for finding in engine.shape_findings(form_id, prefill)}
    return {key: value for key, value in prefill.items() if key not in refused}


def _resume_key(form_id: str, context: Mapping[str, Any]) -> str | None:
    """What finds a practitioner's draft of a form for a case again (a hash: no case data in the index);
    ``None`` unless the host names both the case and the practitioner."""
    case_ref = context.get("case_ref")
    practitioner = (context.get("practitioner") or {}).get("id")
    if not case_ref or not practitioner:
        return None
    return hashlib.sha256(json.dumps([form_id, str(case_ref), str(practitioner)]).encode()).hexdigest()


# ---- the pages -----------------------------------------------------------------------------------------


@blp.route("/section/<section_id>", methods=["GET"])
def section_page(section_id: str) -> Response:
    """One section of the form, with the saved answers filled in."""
    opened = _open_draft()
    if not isinstance(opened, tuple):
        return opened
    live, draft = opened
    pages = _pages(live.launch.form_id)
    section = pages.section(section_id)
    if section is None or section not in pages.sections(pages.visibility(draft.answers)):
        return _message(
            "This page does not apply",
            ["Your answers so far mean this part of the form does not apply."],
            live=live,
            status=404,
            link=(url_for("embed.check_page"), "Check your answers"),
        )
    page = pages.page(section, draft.answers)
    typed = {q.id: typed_value(q, draft.answers.get(q.id)) for q in page.questions}
    if form_session.take("revisit") == section.id:  # sent back here: say why
        errors = _page_errors(live, pages, page, draft, set(page.ids))
        notice = "Your answers on a later page mean this page needs more. Answer the questions marked below."
        return _render_page(live, pages, page, typed, errors, draft, notice=notice)
    return _render_page(live, pages, page, typed, {}, draft)


@blp.route("/section/<section_id>", methods=["POST"])
def save_section(section_id: str) -> Response:
    """Read, save and check one page: errors show on the page (422); follow-ups that the answers open
    appear on it; otherwise on to the next page (or back to "check your answers" after a change)."""
    live = form_session.current()
    if live is None:
        return _save_after_session_ended(section_id)
    opened = _open_draft(live, posted=request.form)
    if not isinstance(opened, tuple):
        return opened
    live, draft = opened
    pages = _pages(live.launch.form_id)
    section = pages.section(section_id)
    if section is None:
        return _message("This page does not exist", ["Go back to the form and try again."], live=live, status=404)
    rendered = _rendered(pages, section, request.form)
    posted = read_page(rendered, request.form)
    draft = _save_posted(live, draft, posted)
    form_session.remember("saved", draft.id)
    if request.form.get("action") == "save-and-leave":
        return redirect(url_for("embed.saved_page"), code=303)
    page = pages.page(section, draft.answers)
    errors = posted.problems | _page_errors(live, pages, page, draft, {q.id for q in rendered} - set(posted.problems))
    appeared = [q for q in page.questions if q.id not in {r.id for r in rendered}]
    if errors or appeared:
        typed = {q.id: posted.typed.get(q.id, typed_value(q, draft.answers.get(q.id))) for q in page.questions}
        notice = "More questions apply because of your answers. Answer them below." if appeared and not errors else None
        return _render_page(live, pages, page, typed, errors, draft, notice=notice, status=422 if errors else 200)
    return redirect(_after(live, pages, section, draft.answers), code=303)


def _after(live: FormSession, pages: FormPages, section: Section, answers: Mapping[str, Any]) -> str:
    """Where a completed page leads: back to the first earlier page that these answers left with a problem
    (choosing to share asks, on the lawful basis page, why the interference with private life is
    justified) — shown there on arrival —, else "check your answers" after a change, else the next page
    (or "check your answers" after the last)."""
    order = pages.form.sections.index
    visible = pages.sections(pages.visibility(answers))
    _, following, _, _ = pages.neighbours(section, answers)
    onward = url_for("embed.section_page", section_id=following.id) if following else url_for("embed.check_page")
    if request.args.get("change"):
        onward = url_for("embed.check_page")
    then = request.args.get("then")
    if then is not None:  # back from an earlier page we were sent to: carry on where we were
        back = [s for s in visible if s.id == then]
        return url_for("embed.section_page", section_id=back[0].id) if back else url_for("embed.check_page")
    errors = {f.field for f in _evaluate(live, pages, answers).by_severity("error") if f.field is not None}
    for earlier in visible:
        if order(earlier) < order(section) and any(q.id in errors for q in earlier.questions):
            form_session.remember("revisit", earlier.id)
            carry_on = following.id if following and not request.args.get("change") else "check"
            return url_for("embed.section_page", section_id=earlier.id, then=carry_on)
    return onward


def _rendered(pages: FormPages, section: Section, posted: Any) -> list[Any]:
    """The questions the page showed (from its hidden list; ids outside this section are ignored)."""
    listed = set(posted.getlist("rendered"))
    return [q for q in section.questions if q.id in listed]


def _save_posted(live: FormSession, draft: Draft, posted: PagePost) -> Draft:
    """Merge a page into the draft and save it. An answer the engine's shape checks refuse (too long, out
    of range) is not saved: the earlier answer stays, and the problem is reported on the page."""
    answers = {key: value for key, value in draft.answers.items() if key not in posted.cleared}
    answers.update(posted.answers)
    for finding in bridge().engine.shape_findings(live.launch.form_id, answers):
        if finding.field is None or finding.field not in answers:
            continue
        posted.problems.setdefault(finding.field, finding.message)
        if finding.field in draft.answers:
            answers[finding.field] = draft.answers[finding.field]
        else:
            del answers[finding.field]
    return _drafts().save(live.launch.form_id, answers, draft_id=draft.id, host=live.launch.host)


def _page_errors(live: FormSession, pages: FormPages, page: Page, draft: Draft, checked: set[str]) -> dict[str, str]:
    """The engine's errors on the questions this page showed and that are still shown."""
    evaluation = _evaluate(live, pages, draft.answers)
    shown = pages.visibility(draft.answers).shown
    errors: dict[str, str] = {}
    for finding in evaluation.by_severity("error"):
        if finding.field in checked and finding.field in shown and finding.field in page.ids:
            errors.setdefault(finding.field, finding.message)
    return errors


def _render_page(
    live: FormSession,
    pages: FormPages,
    page: Page,
    typed: Mapping[str, Any],
    errors: Mapping[str, str],
    draft: Draft,
    *,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    before, _, number, total = pages.neighbours(page.section, draft.answers)
    resumed = form_session.take("resumed")
    body = render_template(
        "sharewise/section.html",
        form=pages.form,
        ctx=PageView(page, typed, errors),
        errors=[(f"#{anchor(q)}", errors[q.id]) for q in page.questions if q.id in errors],
        has_errors=bool(errors),
        title=page.section.title,
        back=url_for("embed.section_page", section_id=before.id) if before else None,
        number=number,
        total=total,
        notice=notice,
        resumed=long_date(dt.date.fromisoformat(resumed)) if resumed else None,
        **_frame(live),
    )
    return _html(body, status, live)


# ---- check your answers, submitting, the confirmation --------------------------------------------------


@blp.route("/check", methods=["GET"])
def check_page() -> Response:
    """Every answer with a link to change it, what the engine found, and the warnings to acknowledge."""
    opened = _open_draft()
    if not isinstance(opened, tuple):
        return opened
    live, draft = opened
    return _render_check(live, draft, acknowledged=set(), refused=None)


@blp.route("/check", methods=["POST"])
def submit() -> Response:
    """Submit the decision: only without errors, and with every warning acknowledged."""
    opened = _open_draft(posted=request.form)
    if not isinstance(opened, tuple):
        return opened
    live, draft = opened
    pages = _pages(live.launch.form_id)
    answers = dict(pages.visibility(draft.answers).visible_answers)
    # only warnings the answers still give: a box ticked before an answer changed acknowledges nothing
    warnings = {f.rule for f in _evaluate(live, pages, draft.answers).by_severity("warning")}
    acknowledged = {value for value in request.form.getlist("acknowledge") if value in warnings}
    try:
        submitted = bridge().recorder.submit(
            live.launch.form_id,
            answers,
            acknowledged=acknowledged,
            idempotency_key=f"ui-{draft.id}",
            author=live.context.get("practitioner") or {"id": f"host:{live.launch.host}"},
            host=live.launch.host,
            context=live.context,
        )
    except SubmissionRefused as refused:
        return _render_check(live, draft, acknowledged=acknowledged, refused=refused)
    with contextlib.suppress(DraftNotFound):  # a simultaneous second submission discarded it already
        _drafts().discard(draft.id, host=live.launch.host)
    form_session.remember("record", submitted.record.id)
    form_session.remember("announce", submitted.record.id)
    return redirect(url_for("embed.done_page"), code=303)


def _render_check(live: FormSession, draft: Draft, *, acknowledged: set[str], refused: SubmissionRefused | None) -> Response:
    pages = _pages(live.launch.form_id)
    evaluation = _evaluate(live, pages, draft.answers)
    warnings = _by_rule(evaluation.by_severity("warning"))
    missing_acknowledgements = [rule for rule in (refused.unacknowledged if refused else []) if rule in warnings]
    errors = [(f, pages.form.section_of(f.field or "")) for f in evaluation.by_severity("error")]
    body = render_template(
        "sharewise/check.html",
        form=pages.form,
        groups=summary_rows(pages, draft.answers),
        errors=errors,
        warnings=warnings,
        advice=evaluation.by_severity("advice"),
        acknowledged=acknowledged,
        missing_acknowledgements=missing_acknowledgements,
        attempted=refused is not None,
        has_errors=bool(errors or missing_acknowledgements),
        anchor=anchor,
        source_of=source_of,
        **_frame(live),
    )
    return _html(body, 422 if refused is not None else 200, live)


def _by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule, []).append(finding)
    return grouped


@blp.route("/done")
def done_page() -> Response:
    """The confirmation: the record id, and a printable summary of the decision (again after a reload;
    the host is told of the submission once)."""
    live = form_session.current()
    if live is None:
        return _session_ended()
    record_id = session.get("record")
    if not isinstance(record_id, str):
        return _message("Nothing has been submitted yet", ["Complete the form to record your decision."], live=live, status=404)
    return _render_done(live, record_id, announce=form_session.take("announce") == record_id)


def _render_done(live: FormSession, record_id: str, *, announce: bool) -> Response:
    try:
        record = bridge().store.get(record_id, host=live.launch.host)
    except RecordNotFound:
        return _message("This record is not available", ["Look for it in your case system."], live=live, status=404)
    pages = _pages(record.form_id)
    created = record.created_at[:10]
    body = render_template(
        "sharewise/done.html",
        form=pages.form,
        record=record,
        groups=summary_rows(pages, record.answers),
        findings=[Finding(**f) for f in record.findings],
        created=long_date(dt.date.fromisoformat(created)),
        review_on=long_date(dt.date.fromisoformat(record.review_on)),
        source_of=source_of,
        announce_record=record.id if announce else None,
        **_frame(live),
    )
    return _html(body, 200, live)


@blp.route("/saved")
def saved_page() -> Response:
    """After "save and come back later": the answers are kept, and how to come back to them."""
    opened = _open_draft()
    if not isinstance(opened, tuple):
        return opened
    live, draft = opened
    case_ref = live.context.get("case_ref")
    lines = [
        "Your answers are saved. You can close this form now.",
        f"To carry on, open the form again from {'case ' + str(case_ref) if case_ref else 'the case'} in your case system.",
        f"Saved answers are kept until {long_date(draft.expires_at.date())}.",
    ]
    return _message("Your answers are saved", lines, live=live)


@blp.route("/theme.css")
def theme() -> Response:
    """The host's theme (CSS custom properties) for this session."""
    value = session.get("theme")
    response = make_response(theme_css(value if isinstance(value, Mapping) else {}))
    response.mimetype = "text/css"
    return response


# ---- shared pieces -------------------------------------------------------------------------------------


def _pages(form_id: str) -> FormPages:
    """The form's pages, one object per request (so what it works out about a draft is reused)."""
    per_request = g.setdefault("sharewise_pages", {})
    if form_id not in per_request:
        per_request[form_id] = FormPages(bridge().engine.forms.get(form_id))
    return per_request[form_id]


def _drafts() -> Drafts:
    state = bridge()
    return Drafts(state.engine, state.store, clock=state.clock)


def _open_draft(live: FormSession | None = None, *, posted: Any = None) -> tuple[FormSession, Draft] | Response:
    """The live session and its draft, or the page that says why there are none: the session has ended,
    a POST lacks its CSRF token, or the form was submitted (then the confirmation) or has expired."""
    live = live or form_session.current()
    if live is None:
        return _session_ended()
    if posted is not None and not live.csrf_ok(posted):
        return _message("This page has expired", ["Go back, reload the page and try again."], live=live, status=400)
    draft = _draft(live)
    if draft is None:
        if isinstance(session.get("record"), str):  # submitted already (a second click, or back and submit)
            return redirect(url_for("embed.done_page"), code=303)
        return _draft_gone()
    return live, draft


def _draft(live: FormSession) -> Draft | None:
    try:
        return _drafts().get(live.draft_id, host=live.launch.host)
    except DraftNotFound:
        return None


def _evaluate(live: FormSession, pages: FormPages, answers: Mapping[str, Any]) -> Evaluation:
    """The engine's findings on the answers that are shown (once per request for the same answers object)."""
    last = g.get("sharewise_evaluation")
    if last is None or last[0] is not answers:
        visible = dict(pages.visibility(answers).visible_answers)
        evaluation = bridge().engine.evaluate(live.launch.form_id, visible, host=live.context, today=bridge().clock().date())
        g.sharewise_evaluation = last = (answers, evaluation)
    return last[1]


def _frame(live: FormSession | None) -> dict[str, Any]:
    """What every page needs to talk to the host: its origins, the CSRF and page tokens, and the saved flag."""
    if live is None:
        return {"host_origins": [], "csrf_token": "", "page_token": "", "saved_draft": None, "form_id": ""}
    return {
        "host_origins": _origins(live.launch.host),
        "csrf_token": live.csrf,
        "page_token": live.page_token(),
        "saved_draft": form_session.take("saved"),
        "form_id": live.launch.form_id,
        "case_ref": live.context.get("case_ref"),
    }


def _origins(host_name: str) -> list[str]:
    """The host's registered origins (read once per request: the page and its CSP header both need them)."""
    per_request = g.setdefault("sharewise_origins", {})
    if host_name not in per_request:
        try:
            per_request[host_name] = list(bridge().hosts.get(host_name).origins)
        except HostNotFound:
            per_request[host_name] = []
    return per_request[host_name]


def _html(body: str, status: int, live: FormSession | None) -> Response:
    """An HTML response that only the host's registered origins may frame. A page outside a session (a
    used link, an ended session, an error) holds no case data, so any registered host may frame it: the
    practitioner then reads its message inside their case system rather than a blocked frame."""
    response = make_response(body, status)
    origins = _origins(live.launch.host) if live is not None else sorted({o for h in bridge().hosts.list() for o in h.origins})
    ancestors = " ".join(origins)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors or chr(39) + 'none' + chr(39)}"
    )
    return response


def _message(
    title: str, lines: list[str], *, live: FormSession | None = None, status: int = 200, link: tuple[str, str] | None = None
) -> Response:
    body = render_template("sharewise/message.html", title=title, lines=lines, link=link, **_frame(live))
    return _html(body, status, live)


_ERROR_PAGES = {
    400: ("Something went wrong", ["The page could not be read. Go back, reload the page and try again."]),
    404: ("Page not found", ["Go back to the form, or open it again from your case system."]),
    405: ("Page not found", ["Go back to the form, or open it again from your case system."]),
    413: (
        "There is too much to save at once",
        ["Go back and shorten your longest answers, then save again. Your earlier pages are saved."],
    ),
    429: ("Too many requests", ["Wait a minute, then try again."]),
}


def error_page(code: int) -> Response:
    """The page for an HTTP error under ``/embed`` (the practitioner sees it inside the host's frame)."""
    title, lines = _ERROR_PAGES.get(
        code, ("Sorry, there is a problem with the service", ["Your saved answers are kept. Try again later."])
    )
    try:
        live = form_session.current()
    except Exception:  # the database may be what failed: the message must still be shown
        live = None
    return _message(title, lines, live=live, status=code)


def _session_ended() -> Response:
    return _message(
        "Your session has ended",
        ["Your saved answers are kept.", "Open the form again from the case in your case system to carry on."],
        status=401,
    )


def _draft_gone() -> Response:
    return _message(
        "This form is no longer open",
        ["It has been submitted, or its saved answers have expired.", "Open the form again from your case system."],
        status=410,
    )


def _save_after_session_ended(section_id: str) -> Response:
    """A page posted after the session cookie expired: save its answers with the page's signed token (so
    nothing typed is lost), then ask the practitioner to reopen the form from the host."""
    bound = form_session.from_page_token(request.form.get("page_token"))
    if bound is None:
        return _session_ended()
    opened, draft_id = bound
    live = FormSession(opened, draft_id, csrf="")
    draft = _draft(live)
    pages = _pages(opened.form_id)
    section = pages.section(section_id)
    if draft is None or section is None:
        return _session_ended()
    _save_posted(live, draft, read_page(_rendered(pages, section, request.form), request.form))
    return _message(
        "Your session has ended",
        ["Your answers on this page have been saved.", "Open the form again from the case in your case system to carry on."],
        status=401,
    )
