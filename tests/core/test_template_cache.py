import pytest
from jinja2 import DictLoader, Environment

from core.template_cache import ProcessBytecodeCache


def _environment(cache, source: str) -> Environment:
    return Environment(loader=DictLoader({"page.html": source}), bytecode_cache=cache)


def test_a_second_environment_uses_the_template_compiled_by_the_first():
    cache = ProcessBytecodeCache()
    assert _environment(cache, "你好，{{ name }}").get_template("page.html").render(name="张三") == "你好，张三"

    second = _environment(cache, "你好，{{ name }}")
    second.compile = lambda *args, **kwargs: pytest.fail("compiled again")
    assert second.get_template("page.html").render(name="李四") == "你好，李四"


def test_an_edited_template_is_compiled_afresh():
    cache = ProcessBytecodeCache()
    _environment(cache, "旧：{{ name }}").get_template("page.html")
    assert _environment(cache, "新：{{ name }}").get_template("page.html").render(name="王五") == "新：王五"
