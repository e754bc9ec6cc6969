from pathlib import Path

import pytest
from conftest import Invoke

from dedup import ConfigError, Params, load_params


def test_defaults() -> None:
    assert load_params(cwd=Path("/"), env={}) == Params()


def test_pyproject_table_then_env_then_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.9\nmin-words = 12\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    params = load_params(cwd=nested, env={})
    assert (params.threshold, params.min_words) == (0.9, 12)
    params = load_params(cwd=nested, env={"DEDUP_THRESHOLD": "0.85"})
    assert (params.threshold, params.min_words) == (0.85, 12)
    params = load_params(
        {"threshold": 0.7, "min_words": None}, cwd=nested, env={"DEDUP_THRESHOLD": "0.85"}
    )
    assert (params.threshold, params.min_words) == (0.7, 12)


def test_dedup_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nthreshold = 0.9\n")
    (tmp_path / "dedup.toml").write_text("threshold = 0.95\n")
    assert load_params(cwd=tmp_path, env={}).threshold == 0.95


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("thresold = 0.9\n", "unknown setting 'thresold'"),
        ("threshold = 'high'\n", "threshold must be float"),
        ("min_words = 2.5\n", "min_words must be int"),
        ("threshold = 1.5\n", "threshold must be in (0, 1]"),
        ("min_words = 3\n", "min_words (3) must be at least shingle_size (5)"),
        ("bands = 40\nrows = 4\n", "exceeds num_perm"),
        ("threshold = [\n", "invalid TOML"),
        ("num_perm = 99999999999\n", "num_perm must be in [2, 1024], got 99999999999"),
        ("shingle_size = 1000\nmin_words = 1000\n", "shingle_size must be in [1, 64]"),
        ("min_words = 99999999999999999999\n", "min_words must be in [1, 1000000]"),
        ("standing_articles = 9223372036854775807\n", "standing_articles must be in [2,"),
    ],
)
def test_bad_settings_name_the_file_and_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text(content)
    with pytest.raises(ConfigError) as raised:
        load_params(config=config, env={})
    assert message in str(raised.value)


def test_bounds_hold_for_the_environment_too() -> None:
    with pytest.raises(ConfigError, match="DEDUP_NUM_PERM: num_perm must be in"):
        load_params(cwd=Path("/"), env={"DEDUP_NUM_PERM": "99999999999"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 4, "not a TOML file (not UTF-8 text"),
        (b"threshold = 0.9\n\xff\xfe\n", "not a TOML file (not UTF-8 text"),
    ],
)
def test_a_binary_config_file_is_one_line_and_exit_2(
    dedup: Invoke, seed: Path, tmp_path: Path, data: bytes, message: str
) -> None:
    config = tmp_path / "dedup.toml"
    config.write_bytes(data)
    done = dedup("scan", "--config", config, seed)
    assert done.status == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"dedup: error: {config}: {message}")


def test_huge_num_perm_on_the_command_line_is_one_line(
    dedup: Invoke, seed: Path, tmp_path: Path
) -> None:
    config = tmp_path / "dedup.toml"
    config.write_text("num_perm = 99999999999\n")
    done = dedup("scan", "--config", config, seed)
    assert done.status == 2 and "internal error" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and "num_perm must be in [2, 1024]" in done.stderr
