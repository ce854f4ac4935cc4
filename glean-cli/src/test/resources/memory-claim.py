# Claims N bytes as fast as this kernel hands them out, every page touched (MAP_POPULATE, 64 MiB at a time),
# prints "claimed", then holds them for HOLD seconds and exits 0. The memory scenario's incumbent and secondaries.
import mmap, sys, time

n, hold = int(sys.argv[1]), float(sys.argv[2])
chunk, got, maps = 64 << 20, 0, []
start = time.monotonic()
while got < n:
    size = min(chunk, n - got)
    maps.append(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE))
    got += size
print("claimed %d MiB in %.0f ms" % (got >> 20, (time.monotonic() - start) * 1000), flush=True)
time.sleep(hold)
