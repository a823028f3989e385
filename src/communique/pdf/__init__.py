"""PDF post-processing and reading: finish (metadata, labels, archival), fonts (compaction), clusters
(folding), seal, archival (embedded sources), verify and inspect. `access` is the one module that touches
pypdf's private attributes. Nothing here imports WeasyPrint."""
