"""docs/guides/troubleshooting.md from the program's own refusals.

Every ``raise`` of an expected error in ``gitops_bot/`` (a :class:`GitOpsBotError` subclass, or
the Action's ``InputError``) is read from the source: its message as the user sees it (a value
filled in at run time shown as ``<name>``), the fix its ``hint`` gives, and the module that
raises it; grouped by the error's class, with the exit code the class carries and what to do
about that kind of error (:data:`KINDS`, one entry a class: a new class without one fails
here). ``scripts/docs_reference.py`` writes the page and ``--check`` fails when a refusal was
added, changed or removed without it, so the page cannot miss one.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gitops_bot"
PAGE = ROOT / "docs" / "guides" / "troubleshooting.md"
ROOT_CLASS = "GitOpsBotError"
FILE_ERRORS = ("FileError", "ConfigError", "ManifestError", "NotYaml")  # (path, line, message, *, hint)


@dataclass(frozen=True)
class Kind:
    title: str
    outcome: str  # what happens: the exit code, or that the run goes on
    fix: str


# One entry per error class, most specific first where one extends another. The exit codes
# are the classes' own (a test holds them to gitops_bot.core.errors).
KINDS: dict[str, Kind] = {
    "ConfigError": Kind(
        "The configuration file is wrong",
        "exit 2; nothing was changed",
        "The message starts with the file and line (`gitops-bot.yaml:LINE:`, or a fleet's "
        "repositories file) and names the key. Fix that line; "
        "`gitops-bot schema` prints the JSON Schema an editor checks the file with as you type "
        "([configuration reference](../reference/configuration.md)).",
    ),
    "NotYaml": Kind(
        "A manifest does not parse as YAML",
        "exit 2; nothing was written (a file of a plain directory an environment's path names is "
        "said and left out, the others read, as `kubectl apply -f DIR` leaves it out)",
        "The message starts with `PATH:LINE:` where the parser stopped. Fix the YAML there; "
        "`kubectl apply --dry-run=client -f PATH` shows the same error "
        "([how files are read](../reference/reading.md)).",
    ),
    "ManifestError": Kind(
        "A manifest cannot be read or edited safely",
        "exit 2; nothing was written",
        "The message starts with `PATH:LINE:` in the GitOps repository and says which rule of the "
        "editor could not be kept. Fix the file there, or point the environment's `path` "
        "elsewhere ([file formats](../manifests/formats.md)).",
    ),
    "FileError": Kind(
        "A file is wrong at a line",
        "exit 2; nothing was changed",
        "The message starts with `PATH:LINE:`; fix the file there.",
    ),
    "ConfigMissing": Kind(
        "The repository has no gitops-bot.yaml",
        "exit 2; nothing was changed (the Action's `update` step and `watch` propose the "
        "onboarding pull request instead)",
        "`gitops-bot init --repo .` finds the environments, images and policies and prints the "
        "configuration; `--write` writes it, `--pull-request` proposes it "
        "([your repository](your-repository.md)).",
    ),
    "UsageError": Kind(
        "Bad arguments, a bad file or a missing setting",
        "exit 2; nothing was changed",
        "The message names the argument, file or variable; `gitops-bot COMMAND --help` shows "
        "every argument ([command line](../reference/cli.md)).",
    ),
    "RemoteUnknown": Kind(
        "The forge's repository or server cannot be told from the git remote",
        "exit 2; nothing was changed",
        "Name it in gitops-bot.yaml (`github.repository`, or `forge: {type, repository, api_url}`); "
        "`init --pull-request` takes `--forge-repository OWNER/NAME` (and `--forge`, `--api-url`) "
        "instead ([forges](../concepts/forges.md)).",
    ),
    "InputError": Kind(
        "A GitHub Action input is wrong",
        "exit 2 (an `::error` annotation on the step)",
        "Fix the step's `with:` ([the Action's inputs](../reference/action.md)).",
    ),
    "GateClosed": Kind(
        "A promotion or rollback was refused",
        "exit 4; nothing was changed",
        "A gate, a hold, a freeze or the promotion chain said no, and the message says which. "
        "Wait until it holds (`gitops-bot status` shows each gate), lift it (`unhold`, "
        "`unfreeze`), or override with `--force --reason TEXT` where the message offers it. "
        "`refused: skip (error): <file>, which <env> renders, is not read (…)`: a file of the "
        "environment is over 4 MiB, not UTF-8, or a link leading out of the repository, so "
        "nothing of it is promoted or rolled back (`plan` and `update` skip it in the same words); "
        "do what its fix says: split the file, save it as UTF-8, or replace the link "
        "([reading](../reference/reading.md)).",
    ),
    "ForgeError": Kind(
        "The forge refused a request",
        "exit 3",
        "The forge's own message is quoted; the hint names the token, permission or setting to "
        "fix ([forges](../concepts/forges.md)).",
    ),
    "PushRejected": Kind(
        "The branch kept moving under the bot",
        "exit 3; nothing half-written is left",
        "Another run or a person pushed to the same branch for longer than the race's 90 s of "
        "retries. Run again.",
    ),
    "GitError": Kind(
        "git could not reach or write the remote",
        "exit 3",
        "The message quotes git (secrets redacted). Check the remote's URL, the credentials git "
        "uses for it, and the network; run again.",
    ),
    "RegistryUnavailable": Kind(
        "A registry stayed unavailable",
        "exit 3",
        "Every request was retried within its deadline ([HTTP](../http.md)). Check the host, "
        "a proxy (`HTTPS_PROXY`, `NO_PROXY`), the registry's status; run again.",
    ),
    "ForgeUnavailable": Kind(
        "The forge stayed unavailable",
        "exit 3",
        "Retried within the deadline; check the forge's address (`forge: api_url`), the network "
        "and the forge's status; run again.",
    ),
    "ServiceUnavailable": Kind(
        "A service stayed unavailable, or answered something broken",
        "exit 3",
        "The message names the service (Argo CD, a metrics server, a web gate, a source "
        "repository's forge) and what it answered. Check its address and credentials; run again.",
    ),
    "TokenServiceError": Kind(
        "A registry's token service gave no usable token",
        "that image is skipped with this reason; the run goes on",
        "The message names the token service and what it answered (a refusal, no token, an "
        "expired or unreadable lifetime, a token without the repository's pull). Check the "
        "credentials for that host; a token service answering 200 without a token is broken: "
        "report it to the registry's operator. Its body is never read as the registry's answer.",
    ),
    "RegistryAccessError": Kind(
        "A registry refused one repository",
        "that image is skipped with this reason; the run goes on",
        "The credentials for that host (`registries: HOST: username_env/password_env`, or the "
        "Docker config) lack access, or the repository does not exist.",
    ),
    "RegistryNotAsked": Kind(
        "A registry the run chose not to ask",
        "that image is skipped with this reason in the plan, and no warning is logged",
        "`gitops-bot init` reads no registry unless given `--registry`, and with `--registry` "
        "asks no more of a registry it found unreachable (the error line says why). Run "
        "`gitops-bot init --registry` to check each guessed policy against the tags that exist.",
    ),
    "RegistryProtocolError": Kind(
        "A registry answered against the distribution spec",
        "that image is skipped with this reason; the run goes on",
        "The registry's answer was malformed or did not match its digest. Report it to the "
        "registry's operator; the other images go on.",
    ),
    "QueryRefused": Kind(
        "A metrics server refused a gate's query",
        "that gate's verdict is unknown, so it holds the release",
        "Fix the `query` in `gates: metrics:`; the server's own message is quoted.",
    ),
    "GitOpsBotError": Kind(
        "Another expected failure",
        "the class's exit code",
        "The message says what to do.",
    ),
}


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str  # as the user reads it, with <placeholders>
    hint: str  # the fix the error carries ("" when the message is the whole of it)
    module: str


def _placeholder(node: ast.expr) -> str:
    text = ast.unparse(node)
    text = re.sub(r"^(redact|str|repr|_e|escape)\((.*)\)$", r"\2", text)
    text = re.sub(r"\[[^\]]*:[^\]]*\]$", "", text)  # a slice that bounds its length
    name = text if len(text) <= 32 and re.fullmatch(r"[\w.\[\]'\"]+", text) else "…"
    return f"<{name.split('.')[-1]}>" if name != "…" else "…"


def _text(node: ast.expr | None) -> str | None:
    """What a message expression reads as, placeholders for values; None: built elsewhere."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                out.append(_placeholder(part.value))
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return (left if left is not None else "…") + (right if right is not None else "…")
    return None


@functools.cache
def _modules() -> tuple[tuple[str, ast.Module], ...]:
    return tuple(
        (str(p.relative_to(ROOT)), ast.parse(p.read_text(encoding="utf-8")))
        for p in sorted(PACKAGE.rglob("*.py"))
    )


@functools.cache
def _walked() -> tuple[tuple[str, tuple[ast.AST, ...]], ...]:
    """Each module's nodes in ``ast.walk``'s order, walked once: the page's readings (the error
    classes, twice, the raises and the rules) each walked every module again, most of the
    page's time."""
    return tuple((module, tuple(ast.walk(tree))) for module, tree in _modules())


def error_classes() -> dict[str, str]:
    """Each expected error class in the package -> the class it extends (the root: "")."""
    bases: dict[str, list[str]] = {}
    for _, nodes in _walked():
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                names = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
                bases.setdefault(node.name, names)
    found = {ROOT_CLASS: "", "InputError": ""}
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            parent = next((p for p in parents if p in found), None)
            if parent is not None and name not in found:
                found[name] = parent
                grew = True
    return found


def _hint(node: ast.expr) -> str:
    """A hint as the user reads it: an extra's install line (``install_hint``) as the program
    words it, for the one extra it names or, where the extra is known only at run time, each."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "install_hint" and node.args:
        sys.path.insert(0, str(ROOT))
        from gitops_bot.core.extras import EXTRAS, WHERE_ELSE, install_hint

        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return install_hint(arg.value)
        each = "; ".join(f"{e}: " + " ".join(f"'{r}'" for r in rs) for e, rs in EXTRAS.items())
        return f"install the <extra> extra where gitops-bot runs: pip install its requirements ({each})" + (
            f" ({WHERE_ELSE})"
        )
    return _text(node) or "…"


def refusals() -> Iterator[Refusal]:
    """Each ``raise`` of an expected error, and each ``return`` of one (a function that builds
    the error its callers raise: ``raise extra_missing(...)``)."""
    classes = error_classes()
    for module, nodes in _walked():
        for node in nodes:
            built = (
                node.exc
                if isinstance(node, ast.Raise)
                else node.value
                if isinstance(node, ast.Return)
                else None
            )
            if not isinstance(built, ast.Call):
                continue
            func = built.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            at = 2 if name in FILE_ERRORS else 0
            if name == "error" and isinstance(func, ast.Attribute):  # the reader's v.error(line, message)
                name, at = "ConfigError", 1
            if name not in classes:
                continue
            args = built.args
            message = _text(args[at] if len(args) > at else None)
            hint = next((k.value for k in built.keywords if k.arg == "hint"), None)
            prefix = "PATH:LINE: " if name in FILE_ERRORS else ""
            yield Refusal(
                name,
                prefix + (message if message is not None else "… (the message is made at run time)"),
                _hint(hint) if hint is not None else "",
                module,
            )


RULES = {"one_of": 1, "none_of": 1, "matches": 1, "between": 2, "holds": 1}  # -> the message's place


def rule_refusals() -> Iterator[Refusal]:
    """The configuration's rules (``setting(rules=...)``): each message is a refusal of a value,
    at its line in gitops-bot.yaml, with ``{value}``-style fields filled in."""
    for module, nodes in _walked():
        for node in nodes:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            at = RULES.get(node.func.id)
            if at is None or len(node.args) <= at:
                continue
            message = _text(node.args[at])
            if message is None:
                continue
            message = re.sub(r"\{(\w+)[^}]*\}", r"<\1>", message.replace("{{", "\0").replace("}}", "\1"))
            message = message.replace("\0", "{").replace("\1", "}")
            yield Refusal("ConfigError", "PATH:LINE: " + message, "", module)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _code(text: str) -> str:
    """Inline code that may hold backticks."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


INTRO = (
    (
        "<!-- generated by scripts/troubleshooting.py from the refusals in gitops_bot/: "
        "edit the source, then run scripts/docs_reference.py -->\n"
    )
    + """

# Troubleshooting

When gitops-bot refuses, it prints one line on stderr, `gitops-bot: error: WHAT; WHAT TO DO`,
exits with a [documented code](../reference/exit-codes.md), and leaves nothing half-done: no
half-written file, no stray branch, no duplicate pull request. With `--output json` the same
line is also a JSON document on stdout (`gitops-bot/error/v1`). `-v` adds the requests and git
commands behind it (secrets redacted).

Find the line you got below: every refusal the program can print is here, read from its
source, grouped by kind, with its exit code and what to do. A part written `<name>` is filled
in at run time (a path, an image, a value you gave); `PATH:LINE:` is the file and line the
problem is at.

Not an error, but not what you expected? `gitops-bot plan` and `gitops-bot status` say, for
each environment and image, what the bot decided and why
([decisions](../concepts/decisions.md)): a signature that did not verify, a hold, a freeze, a
closed gate, a soak not yet over, a window that is closed.

A traceback is a bug (exit 1): please report it with the command and the traceback.
"""
)


def render() -> str:
    found = [*refusals(), *rule_refusals()]
    classes = error_classes()
    missing = sorted({r.kind for r in found} - set(KINDS))
    if missing:
        raise SystemExit(f"scripts/troubleshooting.py: say what to do about {', '.join(missing)} in KINDS")
    out = [INTRO]
    out.append("## Kinds of refusal\n")
    out.append("| kind | what happens | refusals |")
    out.append("| --- | --- | --- |")
    by_kind: dict[str, list[Refusal]] = {}
    for r in found:
        by_kind.setdefault(r.kind, []).append(r)
    order = [k for k in KINDS if k in by_kind]
    for k in order:
        out.append(
            f"| [{KINDS[k].title}](#{_anchor(KINDS[k].title)}) | {KINDS[k].outcome} | {len(by_kind[k])} |"
        )
    out.append("")
    for k in order:
        kind = KINDS[k]
        out.append(f"## {kind.title}\n")
        extends = f", a kind of `{classes[k]}`" if classes.get(k) else ""
        out.append(f"`{k}`{extends}: {kind.outcome}. {kind.fix}\n")
        out.append("| the message | what to do | raised in |")
        out.append("| --- | --- | --- |")
        seen = set()
        for r in sorted(by_kind[k], key=lambda r: (r.message.lower(), r.module)):
            row = (r.message, r.hint, r.module)
            if row in seen:
                continue
            seen.add(row)
            fix = _cell(r.hint) if r.hint else "see above"
            out.append(f"| {_code(r.message)} | {fix} | `{r.module.removeprefix('gitops_bot/')}` |")
        out.append("")
    return "\n".join(out)


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


if __name__ == "__main__":
    raise SystemExit("run scripts/docs_reference.py: it writes this page with the other generated ones")
