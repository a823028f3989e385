"""After the build: page images, the watch loop and the local preview server."""
