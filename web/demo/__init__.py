"""`metarr demo`'s parts, shipped with the product and shared with the tests: emulators of the
providers and players (aiohttp servers on loopback, faithful to the real APIs' shapes, status codes
and limits) and real sample media made with ffmpeg and Pillow."""
