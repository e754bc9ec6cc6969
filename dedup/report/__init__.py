"""What a scan looks like to its readers: the JSON contract for machines (`json`), the
terminal report (`terminal`, rich), the HTML page (`html`), and the word diffs and
editor's wording they share (`diff`, `wording`).

Each renderer is a pure function of the scan (or of its JSON document). Only
`terminal` imports rich, and nothing here imports it on import of the package.
"""
