"""/submit: the form through which a local government or NGO proposes a practice (issue 16).

Off unless the `intake` setting names the review queue's directory (a read-only deployment stays
read-only: /submit answers 404). HTTP only: the form becomes source records and is validated by the
build's shapes in publisher/pipeline/intake.py; a clean proposal is written into the queue by
publisher/records/proposals.py and the answer is 303 to a page showing only its number. Safety: a CSRF
token (Flask-WTF), a request size limit, a honeypot field, and a per-address rate limit (Flask-Limiter,
counted in this process's memory)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from publisher.pipeline.intake import (
    ATTACHMENTS,
    CONTACTS,
    FORM,
    IDENTIFIERS,
    PARTNERS,
    Upload,
    check_proposal,
)
from publisher.read.concepts import scheme_concepts
from publisher.read.organisations import Names, key_by_name
from publisher.records.proposals import ID_RE, Staging
from publisher.web import build_cache, settings, site_store
from publisher.web.errors import abort_with

bp = Blueprint("submit", __name__)

# form control -> vocabulary scheme its choices come from (ontology/vocabularies.ttl, read from the store)
SCHEMES = {"themes": "theme", "funding": "funding", "unit_type": "unit-type", "voivodeship": "voivodeship",
           "sector": "sector", "role": "role"}
HONEYPOT = "fax"


@bp.before_request
def _intake_on() -> None:
    s = settings()
    if not s.intake:
        abort_with(404, "the submission form is not switched on here")
    request.max_content_length = s.intake_max_bytes
    request.max_form_memory_size = s.intake_max_bytes
    request.max_form_parts = 200


def _validator() -> Any:
    """The build's validator for the page's language, made on the first proposal: imported here so that
    a server with the form off never loads it (nor the SHACL engines behind it)."""
    from publisher.pipeline.check import Validator

    found = current_app.extensions["bdp_intake_validators"]
    lang = g.get("lang", "pl")
    if lang not in found:
        found[lang] = Validator(settings().base_uri, lang)
    return found[lang]


def _value(scheme: str, concept: Any) -> str:
    """The value an editor writes: the key (notation), but a voivodeship's Polish name, as in data/."""
    return concept.labels.get("pl", concept.notation) if scheme == "voivodeship" else concept.notation


def _choices() -> dict[str, list[tuple[str, dict[str, str]]]]:
    """(record value, labels) of each control's scheme: the concepts as the published store holds them."""
    cache = build_cache()
    if "submit_choices" not in cache:
        store = site_store()
        cache["submit_choices"] = {control: [(_value(scheme, c), c.labels) for c in scheme_concepts(store, scheme)]
                                   for control, scheme in SCHEMES.items()}
    return cache["submit_choices"]


def _render(values: Any = None, errors: dict[str, list[str]] | None = None, status: int = 200) -> Any:
    limit = settings().intake_max_bytes / (1024 * 1024)
    return render_template("submit.html", choices=_choices(),
                           values=values if values is not None else MultiDict(), max_mib=f"{limit:g}",
                           errors=errors or {}, csrf_token=generate_csrf(), honeypot=HONEYPOT,
                           rows={"partners": range(PARTNERS), "contacts": range(CONTACTS),
                                 "attachments": range(ATTACHMENTS)}, identifiers=IDENTIFIERS,
                           general=FORM), status


@bp.get("/submit")
def form() -> ResponseReturnValue:
    return _render()


@bp.post("/submit")
def submit() -> ResponseReturnValue:
    s = settings()
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError) as exc:
        abort_with(400, f"the form's security token is missing or expired ({exc}); open the form again")
    if request.form.get(HONEYPOT):
        abort_with(400, "this proposal was not accepted")
    uploads = {}
    for i in range(ATTACHMENTS):
        file = request.files.get(f"attachment-{i}-file")
        if file is not None and (file.filename or file.content_length):
            content = file.read()
            if content:
                uploads[i] = Upload(content)
    store, base = site_store(), s.base_uri
    staging = Staging(Path(s.intake))
    try:
        started = time.perf_counter()
        outcome = check_proposal(request.form, request.form.getlist, uploads,
                                 lambda name: key_by_name(store, base, name), _validator(), staging,
                                 min(s.attachment_max_bytes, s.intake_max_bytes))
        # the time to convert and validate, for the benchmark (bench/bench_intake.py) and for operators
        timing = {"Server-Timing": f"validate;dur={(time.perf_counter() - started) * 1000:.1f}"}
        if outcome.errors:
            staging.discard()
            page, status = _render(request.form, outcome.errors, 422)
            return page, status, timing
        proposal = staging.commit(outcome.practice, outcome.organisations)
    except BaseException:
        staging.discard()
        raise
    return redirect(url_for("submit.received", proposal_id=proposal.id), 303), timing


@bp.get("/submit/received/<proposal_id>")
def received(proposal_id: str) -> ResponseReturnValue:
    """Only the number: nothing from the queue is ever served."""
    if not ID_RE.match(proposal_id):
        abort_with(404, "no such proposal number")
    return render_template("submitted.html", number=proposal_id)


@bp.get("/submit/organisations")
def organisations() -> ResponseReturnValue:
    """Names of published organisations containing ?q=, for the partner fields' suggestions."""
    cache = build_cache()
    if "submit_names" not in cache:
        cache["submit_names"] = Names(site_store(), settings().base_uri)
    return jsonify(cache["submit_names"].suggest(request.args.get("q", "")[:100], g.get("lang", "pl")))


@bp.record_once
def _setup(state: Any) -> None:
    """With the intake on: a key to sign the CSRF token and the session cookie, and the rate limit (this
    app's own Limiter wraps this app's view: recorded after the routes, so the view is registered)."""
    app = state.app
    s = app.config["BDP"]
    if not s.intake:
        return
    app.secret_key = s.intake_secret or secrets.token_hex(32)
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=4 * 3600)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=True)
    app.view_functions["submit.submit"] = limiter.limit(s.intake_rate_limit, methods=["POST"])(submit)
    app.extensions["bdp_intake_validators"] = {}
