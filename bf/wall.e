[segment @ 0x561d440dd2c0] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly
[mp4 @ 0x561d44082180] Timestamps are unset in a packet for stream 0. This is deprecated and will stop working in the future. Fix your code to set the timestamps properly
[mp4 @ 0x561d44082180] pts has no value
[segment @ 0x561d440dd2c0] Failure occurred when ending segment 'bf/wall/204414.mp4'
Error writing trailer of bf/wall/%H%M%S.mp4: Immediate exit requested
