[segment @ 0x561ad6c79a80] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly
[mp4 @ 0x561ad6bcb4c0] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly
[mp4 @ 0x561ad6bcb4c0] pts has no value
[segment @ 0x561ad6c79a80] Invalid DTS: 0 PTS: -1024 in output stream 0:0, replacing by guess
[segment @ 0x561ad6c79a80] Non-monotonous DTS in output stream 0:0; previous: -511, current: -1024; changing to -510. This may result in incorrect timestamps in the output file.
[segment @ 0x561ad6c79a80] Non-monotonous DTS in output stream 0:0; previous: -510, current: -512; changing to -509. This may result in incorrect timestamps in the output file.
