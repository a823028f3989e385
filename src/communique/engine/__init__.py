"""The engine boundary: the only package that reads or patches WeasyPrint, Pango and pydyf internals.

`renderer` lays out and draws HTML with WeasyPrint; `hooks` installs communique's hooks (justify,
hyphenation, clusters, tags, pages) only while it renders and states the WeasyPrint version they are written
for; `overflow` checks the laid-out pages; `libraries` speeds up WeasyPrint's library lookup. A hook that
cannot do its job reports it through `undone`. Importing this package does not import WeasyPrint.
"""
