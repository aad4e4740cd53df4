"""Security: where the app listens, who may call it, and that nothing leaks.

Issue "Reliability and security". Cases:
- "default bind 127.0.0.1; binding elsewhere without REPORTQA_AUTH or --insecure is refused";
- "with REPORTQA_AUTH the API requires credentials (gradio_client without auth fails,
  with auth works)";
- "REPORTQA_LLM_API_KEY=sk-test-SECRET-123 never appears in logs, error messages, the UI
  status, or `reportqa ask --json` output, including when the LLM endpoint fails";
- "an LLM URL that refuses connections → a clear message naming REPORTQA_LLM_BASE_URL,
  and the extractive answer still comes back";
- "no eval(/exec(/pickle on untrusted data" (a scan of ingest/ rag/ app/ evals/).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, REPORTQA, env_for, free_port
from tests.fake_app import app_env, real_app_cmd, start_server, stop_server
from tests.fake_openai import FakeOpenAI, Reply

SECRET = "sk-test-SECRET-123"
AUTH = ("tester", "pw-Quiet-Harbor-42")
PILOT_QUESTION = "首台（套）保险补偿机制是哪一年开始试点的？"


# --- binding ----------------------------------------------------------------------------


def test_default_bind_is_loopback() -> None:
    """Default bind 127.0.0.1 (both `python -m app.main` and `reportqa serve`)."""
    from app.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    help_text = subprocess.run(
        [sys.executable, "-m", "app.main", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "default 127.0.0.1" in help_text


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_public_bind_without_auth_is_refused(host: str) -> None:
    """Binding elsewhere without REPORTQA_AUTH or --insecure is refused, before any model loads."""
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--host", host, "--port", str(free_port())],
        cwd=REPO,
        env=app_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "REPORTQA_AUTH" in result.stderr and "--insecure" in result.stderr
    assert "Traceback" not in result.stderr


def test_public_bind_allowed_with_auth_or_insecure() -> None:
    from app.main import StartupError, check_bind

    check_bind("0.0.0.0", AUTH, insecure=False)
    check_bind("0.0.0.0", None, insecure=True)
    check_bind("127.0.0.1", None, insecure=False)
    with pytest.raises(StartupError):
        check_bind("10.0.0.5", None, insecure=False)


# --- a real app with a login and a failing LLM endpoint -----------------------------------


@pytest.fixture(scope="module")
def failing_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        fake.rule = lambda body: Reply(status=500)
        yield fake


@pytest.fixture(scope="module")
def secured_app(
    tmp_path_factory: pytest.TempPathFactory,
    real_home: Path,
    shared_models_dir: Path,
    failing_llm: FakeOpenAI,
) -> Iterator[tuple[str, Path]]:
    """The real app with REPORTQA_AUTH, in LLM mode against an endpoint that answers 500."""
    port = free_port()
    env = app_env(
        {
            "REPORTQA_HOME": str(real_home),
            "REPORTQA_MODELS_DIR": str(shared_models_dir),
            "REPORTQA_AUTH": f"{AUTH[0]}:{AUTH[1]}",
            "REPORTQA_LLM_BASE_URL": failing_llm.base_url,
            "REPORTQA_LLM_MODEL": "fake-model",
            "REPORTQA_LLM_API_KEY": SECRET,
        }
    )
    log = tmp_path_factory.mktemp("secured-app") / "server.log"
    proc = start_server(real_app_cmd(port), port, log, env, timeout=600)
    try:
        yield f"http://127.0.0.1:{port}/", log
    finally:
        stop_server(proc)


def _client(url: str, auth: tuple[str, str] | None = None) -> Any:
    from gradio_client import Client

    return Client(url, auth=auth, verbose=False, analytics_enabled=False)


@pytest.mark.slow
def test_auth_required_for_api(secured_app: tuple[str, Path]) -> None:
    """With REPORTQA_AUTH the API requires credentials: without auth (or with a wrong
    password) gradio_client fails, with auth it works."""
    url, _ = secured_app
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises several types here
        _client(url).predict(PILOT_QUESTION, "[]", "", api_name="/ask")
    with pytest.raises(Exception):  # noqa: B017
        _client(url, (AUTH[0], "wrong")).predict(PILOT_QUESTION, "[]", "", api_name="/ask")
    result = _client(url, AUTH).predict(PILOT_QUESTION, "[]", "", api_name="/ask")
    assert "2015" in result["answer"]


@pytest.mark.slow
def test_upload_and_remove_need_the_login(secured_app: tuple[str, Path], tmp_path: Path) -> None:
    """The 报告库 endpoints sit behind the same login: a request without the session
    cookie is refused; with it, a bad upload and an unknown report get Chinese errors
    and the index keeps its reports."""
    import urllib.error
    import urllib.request

    from gradio_client import handle_file

    url, _ = secured_app
    for endpoint in ("upload_reports", "remove_report"):
        request = urllib.request.Request(
            f"{url}gradio_api/call/{endpoint}",
            data=b'{"data": [null, ""]}',
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code in (401, 403)
    client = _client(url, AUTH)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = client.predict([handle_file(str(empty))], "", api_name="/upload_reports")
    assert "空文件" in result[0]
    result = client.predict("no-such-report.pdf", "", api_name="/remove_report")
    assert "没有这份报告" in result[0]
    answer = client.predict(PILOT_QUESTION, "[]", "", api_name="/ask")
    assert "2015" in answer["answer"]


@pytest.mark.slow
def test_api_key_never_leaks_from_app(
    secured_app: tuple[str, Path], failing_llm: FakeOpenAI
) -> None:
    """sk-test-SECRET-123 is sent to the endpoint, but never appears in the /ask answer,
    its notice, the UI status (the page config) or the app's stdout/stderr — also when
    the endpoint fails with HTTP 500."""
    url, log = secured_app
    client = _client(url, AUTH)
    result = client.predict(PILOT_QUESTION, "[]", "", api_name="/ask")
    # The endpoint failed, so the app fell back to the extractive answer and said why.
    assert "REPORTQA_LLM_BASE_URL" in result["notice"] and "HTTP 500" in result["notice"]
    assert "2015" in result["answer"]
    assert any(
        r.headers.get("authorization") == f"Bearer {SECRET}" for r in failing_llm.chat_requests
    ), "the key must reach the endpoint, or this test proves nothing"
    assert SECRET not in json.dumps(result, ensure_ascii=False)
    config = json.dumps(client.config, ensure_ascii=False)
    assert "LLM" in config or "llm" in config  # the status badge is in there
    assert SECRET not in config
    assert SECRET not in log.read_text(errors="replace")


@pytest.mark.slow
def test_api_key_never_leaks_from_cli_when_llm_refuses_connections(
    real_home: Path, shared_models_dir: Path
) -> None:
    """An LLM URL that refuses connections: `reportqa -v ask --json` names
    REPORTQA_LLM_BASE_URL, still answers extractively, and never prints the key
    (not even in debug logs)."""
    env = env_for(real_home, shared_models_dir)
    env.update(
        {
            "REPORTQA_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
            "REPORTQA_LLM_API_KEY": SECRET,
        }
    )
    result = subprocess.run(
        [*REPORTQA, "-v", "ask", "--json", PILOT_QUESTION],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert "REPORTQA_LLM_BASE_URL" in answer["notice"]
    assert answer["mode"] == "extractive" and "2015" in answer["answer"]
    assert SECRET not in result.stdout
    assert SECRET not in result.stderr


# --- no eval/exec/pickle in the product -----------------------------------------------------

PRODUCT_PACKAGES = ("ingest", "rag", "app", "evals")


def unsafe_calls(source: str) -> list[str]:
    """`pickle`, bare `eval(`/`exec(`, `yaml.load(` and `allow_pickle=True` in code.

    Tokens, not text: comments, strings and method calls such as `model.eval()` do
    not count; `np.load(..., allow_pickle=False)` is allowed.
    """
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.STRING)
    ]
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME:
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        after2 = tokens[i + 2].string if i + 2 < len(tokens) else ""
        unsafe = (
            tok.string in ("pickle", "cPickle", "dill", "marshal", "shelve")
            or (tok.string in ("eval", "exec") and after == "(" and before not in (".", "def"))
            or (tok.string == "yaml" and after == "." and after2 in ("load", "unsafe_load"))
            or (tok.string == "allow_pickle" and after == "=" and after2 != "False")
        )
        if unsafe:
            found.append(f"{tok.start[0]}: {tok.line.strip()}")
    return found


def test_unsafe_call_scanner_catches_what_it_should() -> None:
    bad = "import pickle\nx = eval(s)\nexec(code)\nyaml.load(f)\nnp.load(p, allow_pickle=True)\n"
    assert len(unsafe_calls(bad)) == 5
    ok = (
        "model.eval()\nnp.load(p, allow_pickle=False)\n# pickle here is a comment\n"
        "s = 'eval(x)'\ndef cmd_eval(a):\n    return yaml.safe_load(a)\n"
    )
    assert unsafe_calls(ok) == []


def test_no_eval_exec_pickle_in_product_code() -> None:
    """No `eval(`/`exec(`/`pickle`/`yaml.load(` in ingest/ rag/ app/ evals/."""
    problems = []
    for package in PRODUCT_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for hit in unsafe_calls(path.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(REPO)}:{hit}")
    assert not problems, "\n".join(problems)
