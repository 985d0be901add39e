"""Run several ``flask --app shoudi`` commands one after another in one process, each as the
``flask`` program runs it (same command group, same app factory, same environment):

    .venv/bin/python deploy/cluster/flask_commands.py 'db upgrade' 'import-regions regions.csv' ...

Each argument is one command line, split as a shell would. local_cluster.py sets up its database
this way (migrations, the sample county, the accounts): importing the app takes seconds on a
small machine, and one process pays it once instead of once per command. Stops at the first
command that fails, with its exit status.
"""
from __future__ import annotations

import shlex
import sys

import click
from flask.cli import cli


def run(command_lines: list[str]) -> int:
    for line in command_lines:
        args = shlex.split(line)
        print(f"flask {args[0] if args else ''} …", flush=True)  # the name only: a password may follow
        try:
            cli.main(["--app", "shoudi", *args], prog_name="flask", standalone_mode=False)
        except click.ClickException as exc:
            exc.show()
            return exc.exit_code
        except SystemExit as exc:  # the project's commands exit 1 after saying why
            if exc.code:
                return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
