"""Run the emulators standalone: `python -m web.demo.emulation` prints the env lines to use."""
import time

from . import EmulatorThread

if __name__ == "__main__":
    t = EmulatorThread()
    emu = t.start()
    for k, v in emu.env().items():
        print(f"export {k}={v}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        t.stop()
