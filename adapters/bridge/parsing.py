"""Request bodies read through flask-smorest are read as strictly as every other body: no ``NaN``, no
repeated keys, no numbers too long to read, no nesting too deep — each a 400 in the one error shape."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from sharewise.core import strict_json
from sharewise.core.errors import InvalidInput


class StrictParser(FlaskParser):
    """webargs' Flask parser with sharewise's strict JSON reader."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            return strict_json.loads(req.get_data(cache=True), source="the request body")
        except InvalidInput as error:
            abort(400, exc=error, messages={"json": [str(error)]}, message=str(error))


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments are parsed strictly."""

    ARGUMENTS_PARSER = StrictParser()
