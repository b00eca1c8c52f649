"""Every sub-command and every argument of the command line is explained in Chinese and in English."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policykg.cli.parser import COMMANDS, parser

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile("[\u4e00-\u9fff]")
LATIN = re.compile("[A-Za-z]")


def bilingual(text: str | None) -> bool:
    return bool(text) and bool(CJK.search(text)) and bool(LATIN.search(text))


def subparsers_action(p: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_argument_has_a_chinese_and_english_help(name):
    command = subparsers_action(parser(name)).choices[name]
    actions = [a for a in command._actions if not isinstance(a, argparse._HelpAction)]
    assert actions or name == "queries"
    for action in actions:
        label = "/".join(action.option_strings) or action.dest
        assert bilingual(action.help), f"policykg {name} {label}: help is not bilingual: {action.help!r}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_sub_command_has_a_chinese_and_english_help_and_description(name):
    sub = subparsers_action(parser(name))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    assert bilingual(helps.get(name)), f"policykg {name}: help is not bilingual: {helps.get(name)!r}"
    assert bilingual(sub.choices[name].description), f"policykg {name}: description is not bilingual"


def test_the_top_level_help_is_bilingual():
    p = parser()
    assert bilingual(p.description) and "退出码" in p.epilog and "exit codes" in p.epilog
    assert {choice.dest for choice in subparsers_action(p)._choices_actions} == set(COMMANDS)


@pytest.mark.parametrize("name", ["query", "export"])
def test_help_runs_and_documents_exit_codes_in_both_languages(name):
    out = subprocess.run([sys.executable, "-m", "policykg.cli", name, "--help"],
                         capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "退出码" in out.stdout and "exit codes" in out.stdout
