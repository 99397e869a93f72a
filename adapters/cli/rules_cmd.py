"""``sharewise rules``: the rules the enabled plugins apply, with their legal references."""

from __future__ import annotations

import click

from sharewise.adapters.cli.options import echo_json, json_option, make_engine, plugin_option

COLUMNS = ("rule", "severity", "field", "reference", "summary")


@click.command()
@click.option("--form", "form_id", metavar="FORM", help="Only the rules for this form.")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (as in docs/rules.md).")
@json_option
@plugin_option
def rules(form_id: str | None, markdown: bool, as_json: bool, plugins: tuple[str, ...]) -> None:
    """List every rule: id, severity, the field its finding is on, and its legal reference."""
    rows = [row for row in make_engine(plugins).rules() if form_id is None or row["form"] == form_id]
    if as_json:
        echo_json(rows)
    elif markdown:
        click.echo(rules_markdown(rows))
    else:
        for row in rows:
            click.echo(f"{row['rule']:<8} {row['severity']:<8} {row['field'] or '-'}  ({row['reference']})  {row['summary']}")


def rules_markdown(rows: list[dict[str, str | None]]) -> str:
    """One Markdown table per form: rule, severity, field, reference, summary."""
    out: list[str] = []
    for form in dict.fromkeys(str(row["form"]) for row in rows):
        out += [
            f"### `{form}`",
            "",
            "| rule | plugin | severity | field | reference | what it checks |",
            "|---|---|---|---|---|---|",
        ]
        for row in (r for r in rows if r["form"] == form):
            field = " / ".join(f"`{f.strip()}`" for f in str(row["field"]).split("|")) if row["field"] else "—"
            out.append(
                f"| {row['rule']} | {row['plugin']} | {row['severity']} | {field} | {row['reference']} | {row['summary']} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"
