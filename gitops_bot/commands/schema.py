"""``gitops-bot schema``: the published JSON Schema of gitops-bot.yaml, as shipped."""

from __future__ import annotations

from gitops_bot.config.schema import schema_text
from gitops_bot.core.record import record
from gitops_bot.output.command_results import Schema
from gitops_bot.output.result import Result


@record(kw_only=True)
class Request:
    pass


def run(request: Request) -> Result:
    return Result("schema", Schema(schema_text()))
