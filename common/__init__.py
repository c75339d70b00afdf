"""The bottom layer, depending on nothing of ours: the settings every layer reads, and the
loop that runs a periodic job in a thread."""
