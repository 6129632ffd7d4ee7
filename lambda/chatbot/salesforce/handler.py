"""`GET /salesforce/{object_type}/{record_id}` of the chatbot API: one Salesforce record's
chatbot-relevant fields, from the cache table when fresh, otherwise from Salesforce."""

from __future__ import annotations

from chatbot_core import salesforce
from chatbot_core.api import handle, path_parameter, response, user_id


def lookup(event: dict) -> dict:
    user_id(event)  # only authenticated callers reach Salesforce
    record, cached = salesforce.lookup(path_parameter(event, "object_type"),
                                       path_parameter(event, "record_id"))
    return response(200, {"record": record, "cached": cached}, event)


ROUTES = {("GET", "/salesforce/{object_type}/{record_id}"): lookup}


def lambda_handler(event: dict, context: object = None) -> dict:
    return handle(ROUTES, event)
