"""tools/device_tree_size.sh: what a device-tool call sends, against the 64 MiB limit."""
import os
import subprocess

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "device_tree_size.sh")
MiB = 1024 * 1024


def sh(args, cwd):
    return subprocess.run(["bash", os.path.abspath(SCRIPT), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def sized(path, n):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(n)  # sparse: only the size matters to the script


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / ".gitignore").write_text("/.gpu/\n/build/\n")
    sized(str(tmp_path / "models" / "a" / "model.safetensors"), 20 * MiB)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path


def test_counts_tracked_untracked_and_carry_not_ignored(repo):
    sized(str(repo / "notes" / "new.bin"), 10 * MiB)          # untracked, not ignored: sent
    sized(str(repo / "build" / "big.bin"), 100 * MiB)         # ignored: not sent
    sized(str(repo / ".gpu" / "data" / "x.gz"), 5 * MiB)      # ignored, but carried
    r = sh([".gpu/data"], repo)
    assert r.returncode == 0, r.stderr
    assert "working tree (tracked + untracked not ignored): 30.0 MiB" in r.stdout
    assert "carry .gpu/data: 5.0 MiB" in r.stdout
    assert "total 35.0 MiB of 64 MiB (29.0 MiB to spare)" in r.stdout


def test_over_the_limit_fails_and_the_slim_tree_fits(repo):
    sized(str(repo / "models" / "b" / "model.safetensors"), 20 * MiB)
    sized(str(repo / "studies" / "models" / "c" / "model.safetensors"), 20 * MiB)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second model")
    sized(str(repo / ".gpu" / "data" / "x.gz"), 6 * MiB)
    r = sh([".gpu/data"], repo)
    assert r.returncode == 1
    assert "over the device tool's 64 MiB" in r.stdout
    # the header's slim-tree commands, as written there
    git(repo, "switch", "-q", "--detach")
    with open(SCRIPT) as f:
        slim = [line.lstrip("# ").rstrip(" &\n") for line in f if "git rm -q" in line][0]
    subprocess.run(slim + " && git commit -qm slim", shell=True, cwd=repo, check=True,
                   capture_output=True)
    r = sh([".gpu/data"], repo)
    assert r.returncode == 0 and "total 6.0 MiB" in r.stdout, r.stdout
    git(repo, "switch", "-q", "-")
    assert os.path.getsize(repo / "models" / "b" / "model.safetensors") == 20 * MiB
    assert os.path.getsize(repo / "studies" / "models" / "c" / "model.safetensors") == 20 * MiB


def test_missing_carry_is_one_clear_error(repo):
    r = sh(["nope"], repo)
    assert r.returncode == 2
    assert r.stderr.strip() == "device_tree_size: carried path 'nope' does not exist"
