#!/bin/sh
# Regenerates the media fixtures used by client/media tests and the loadtest.
# Requires Debian's ffmpeg (apt-get install ffmpeg). Output is deterministic
# enough for tests; the files are committed so `go test` never needs ffmpeg.
set -eu
cd "$(dirname "$0")"

# 2 s of 640x360 30 fps VP8 at a constant ~2 Mbit/s, a key frame every second
# (so a late subscriber waits at most 1 s), in an IVF container.
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i testsrc2=size=640x360:rate=30:duration=2 \
  -c:v libvpx -b:v 2M -minrate 2M -maxrate 2M -bufsize 1M \
  -g 30 -keyint_min 30 -deadline realtime -cpu-used 8 -auto-alt-ref 0 \
  -pix_fmt yuv420p -f ivf video.ivf

# 2 s of a 440 Hz sine, 48 kHz mono Opus, 20 ms frames, one frame per Ogg page.
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2 \
  -c:a libopus -b:a 32k -frame_duration 20 -application audio \
  -page_duration 20000 -f ogg audio.ogg
