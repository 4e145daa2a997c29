// Plays a Heldar HLS playlist from a wall-clock instant and tells which instant is on screen.
// hls.js where the browser has Media Source Extensions (it exposes each fragment's program
// date-time); the browser's own HLS (Safari, iOS) otherwise.
import Hls from "hls.js/light";

export interface Fragment {
  /** Position in the media timeline, seconds. */
  start: number;
  duration: number;
  /** EXT-X-PROGRAM-DATE-TIME, epoch ms. */
  programDateTime: number | null;
}

/** Media-timeline position (seconds) of wall-clock instant t, from the playlist's fragments. */
export function positionOf(fragments: readonly Fragment[], t: number): number | null {
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
export function instantAt(fragments: readonly Fragment[], position: number): number | null {
  let best: Fragment | null = null;
  for (const fragment of fragments) {
    if (fragment.start <= position + 1e-3) best = fragment;
    else break;
  }
  if (!best || best.programDateTime === null) return null;
  return best.programDateTime + (position - best.start) * 1000;
}

/** What the playback controller needs of a player: the seam its unit tests replace. */
export interface MediaPlayer {
  /** Load url and show wall-clock instant `from` (epoch ms); play it unless `autoplay` is false. */
  play(url: string, from: number, rate: number, autoplay: boolean): void;
  stop(): void;
  /** The wall-clock instant on screen, epoch ms, or null before the media is placed. */
  wallClock(): number | null;
  /** Move to wall-clock instant t within what is loaded; false when the playlist does not reach it. */
  seekTo(t: number): boolean;
  setRate(rate: number): void;
  pause(): void;
  resume(): void;
  /** The media sits at the instant asked for and can play on. */
  readonly ready: boolean;
  /** The last fragment's end, epoch ms: how far the loaded playlist reaches. */
  readonly reach: number | null;
}

export type PlayerFactory = (video: HTMLVideoElement, onError: (message: string) => void) => MediaPlayer;

/** Past this many seconds after its keyframe, an instant is reached by way of the keyframe. */
const SHOW_KEYFRAME_FIRST = 0.2;

/** HAVE_FUTURE_DATA: the frame at the position and a little after it are decoded. */
const CAN_PLAY = 3;

export class Player implements MediaPlayer {
  private hls: Hls | null = null;
  /** hls.js's own fragments: it corrects their start from the media as it plays, so they stay live. */
  private fragments: readonly Fragment[] = [];
  private nativeStart: number | null = null;
  private placed = false;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly onError: (message: string) => void,
  ) {}

  play(url: string, from: number, rate = 1, autoplay = true): void {
    this.stop();
    const video = this.video;
    video.muted = true; // autoplay without a gesture needs it, and recordings may carry audio
    video.playsInline = true;
    const start = () => {
      this.placed = true;
      video.playbackRate = rate;
      if (autoplay) this.resume();
    };
    if (Hls.isSupported()) {
      const hls = new Hls({ autoStartLoad: false, backBufferLength: 60, maxBufferLength: 30 });
      this.hls = hls;
      let started = false;
      hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
        this.fragments = data.details.fragments;
        if (started) return;
        started = true;
        const position = positionOf(this.fragments, from) ?? 0;
        const keyframe = this.fragments[0]?.start ?? position;
        // Play only once the media sits at the instant asked for, so playback starts there.
        const place = () => {
          if (Math.abs(video.currentTime - position) > 0.05) video.currentTime = position;
          start();
        };
        video.addEventListener(
          "loadedmetadata",
          () => {
            if (position - keyframe <= SHOW_KEYFRAME_FIRST) {
              place();
              return;
            }
            // The instant's frame needs every frame since the keyframe decoded: show the
            // keyframe (this GOP's first picture, decoded at once) while the decoder gets there.
            video.addEventListener("seeked", place, { once: true });
            video.currentTime = keyframe;
          },
          { once: true },
        );
        // Load from the playlist's first entry: the server starts it on the keyframe at or
        // before the instant, and the decoder needs it. Loading from the instant's own entry
        // (mid-GOP) made the browser drop frames until the next keyframe, loading ahead for it.
        hls.startLoad(this.fragments[0]?.start ?? 0);
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

  wallClock(): number | null {
    if (!this.placed) return null;
    if (this.hls) {
      // From hls.js's fragments at the current position, so a fragment change is never read late.
      const clock = instantAt(this.fragments, this.video.currentTime);
      return clock ?? this.hls.playingDate?.getTime() ?? null;
    }
    if (this.nativeStart !== null) return this.nativeStart + this.video.currentTime * 1000;
    return null;
  }

  seekTo(t: number): boolean {
    if (!this.placed) return false;
    let position: number | null = null;
    if (this.hls) {
      const last = this.fragments.at(-1);
      const reach = this.reach;
      if (!last || reach === null || t > reach) return false;
      position = positionOf(this.fragments, t);
    } else if (this.nativeStart !== null) {
      position = (t - this.nativeStart) / 1000;
    }
    if (position === null || position < 0) return false;
    this.video.currentTime = position;
    return true;
  }

  get reach(): number | null {
    if (this.hls) {
      const last = this.fragments.at(-1);
      return last?.programDateTime == null ? null : last.programDateTime + last.duration * 1000;
    }
    if (this.nativeStart !== null && Number.isFinite(this.video.duration)) {
      return this.nativeStart + this.video.duration * 1000;
    }
    return null;
  }

  get ready(): boolean {
    return this.placed && !this.video.seeking && this.video.readyState >= CAN_PLAY;
  }

  setRate(rate: number): void {
    this.video.playbackRate = rate;
  }

  pause(): void {
    this.video.pause();
  }

  resume(): void {
    this.video.play().catch((err: unknown) => {
      if (err instanceof DOMException && err.name === "AbortError") return;
      this.onError(String(err));
    });
  }

  stop(): void {
    this.hls?.destroy();
    this.hls = null;
    this.fragments = [];
    this.nativeStart = null;
    this.placed = false;
    if (this.video.src) {
      this.video.removeAttribute("src");
      this.video.load();
    }
  }
}

export const makePlayer: PlayerFactory = (video, onError) => new Player(video, onError);
