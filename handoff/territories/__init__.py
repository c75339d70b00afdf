"""Territory files (YAML); a package so the files ship with the application."""
