// Plays a Heldar HLS playlist from a wall-clock instant and tells which instant is on screen.
// hls.js where the browser has Media Source Extensions (it exposes each frame's program date-time);
// the browser's own HLS (Safari, iOS) otherwise.
import Hls from "hls.js/light";

export interface Fragment {
  /** Position in the media timeline, seconds. */
  start: number;
  duration: number;
  /** EXT-X-PROGRAM-DATE-TIME, epoch ms. */
  programDateTime: number | null;
}

/** Media-timeline position (seconds) of wall-clock instant t, from the playlist's fragments. */
export function positionOf(fragments: Fragment[], t: number): number | null {
  let best: Fragment | null = null;
  for (const fragment of fragments) {
    if (fragment.programDateTime === null) continue;
    if (fragment.programDateTime <= t) best = fragment;
    else break;
  }
  if (!best) {
    const first = fragments.find((f) => f.programDateTime !== null);
    return first ? first.start : null;
  }
  const offset = (t - (best.programDateTime ?? t)) / 1000;
  return best.start + Math.min(Math.max(offset, 0), best.duration);
}

/** Wall-clock instant (epoch ms) at a media position, from the playlist's fragments. */
export function instantAt(fragments: Fragment[], position: number): number | null {
  let best: Fragment | null = null;
  for (const fragment of fragments) {
    if (fragment.start <= position + 1e-3) best = fragment;
    else break;
  }
  if (!best || best.programDateTime === null) return null;
  return best.programDateTime + (position - best.start) * 1000;
}

export class Player {
  private hls: Hls | null = null;
  private fragments: Fragment[] = [];
  private nativeStart: number | null = null;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly onError: (message: string) => void,
  ) {}

  /** Load url and play from wall-clock instant `from` (epoch ms). */
  play(url: string, from: number, rate = 1): void {
    this.stop();
    const video = this.video;
    video.muted = true; // autoplay without a gesture needs it, and recordings may carry audio
    video.playsInline = true;
    const start = () => {
      video.playbackRate = rate;
      video.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === "AbortError") return;
        this.onError(String(err));
      });
    };
    if (Hls.isSupported()) {
      const hls = new Hls({ autoStartLoad: false, backBufferLength: 60, maxBufferLength: 30 });
      this.hls = hls;
      let started = false;
      hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
        this.fragments = data.details.fragments.map((f) => ({
          start: f.start,
          duration: f.duration,
          programDateTime: f.programDateTime,
        }));
        if (started) return;
        started = true;
        const position = positionOf(this.fragments, from) ?? 0;
        // Play only once the media sits at the instant asked for, so the first frame shown is it.
        video.addEventListener(
          "loadedmetadata",
          () => {
            if (Math.abs(video.currentTime - position) > 0.05) video.currentTime = position;
            start();
          },
          { once: true },
        );
        hls.startLoad(position);
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) {
          this.onError(`${data.type}: ${data.details}`);
          this.stop();
        }
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
      video.addEventListener(
        "loadedmetadata",
        () => {
          const startDate = (video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate?.();
          this.nativeStart = startDate && !Number.isNaN(startDate.getTime()) ? startDate.getTime() : null;
          if (this.nativeStart !== null) video.currentTime = Math.max(0, (from - this.nativeStart) / 1000);
          start();
        },
        { once: true },
      );
    } else {
      this.onError("This browser cannot play HLS.");
    }
  }

  /** The wall-clock instant on screen, epoch ms, or null before playback starts. */
  wallClock(): number | null {
    if (this.hls) {
      const date = this.hls.playingDate;
      if (date) return date.getTime();
      return instantAt(this.fragments, this.video.currentTime);
    }
    if (this.nativeStart !== null) return this.nativeStart + this.video.currentTime * 1000;
    return null;
  }

  setRate(rate: number): void {
    this.video.playbackRate = rate;
  }

  get active(): boolean {
    return this.hls !== null || this.video.src !== "";
  }

  stop(): void {
    this.hls?.destroy();
    this.hls = null;
    this.fragments = [];
    this.nativeStart = null;
    if (this.video.src) {
      this.video.removeAttribute("src");
      this.video.load();
    }
  }
}
