import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CATCH_UP_MS, IN_STEP_MS, LIVE_REACH_MS, PlaybackController, VOD_CHUNK_MS } from "../src/playback";
import type { PlaylistAnswer } from "../src/types";
import { HOUR } from "../src/time";
import { FakeHls, loadMedia } from "./fake-hls";
import { settle, wsError } from "./helpers";

vi.mock("hls.js/light", async () => ({ default: (await import("./fake-hls")).FakeHls }));

const NOW = Date.parse("2026-07-01T12:00:00Z");
const MINUTE = 60_000;

type Playlists = (from: number, end: number | null) => Promise<PlaylistAnswer>;

const signed: Playlists = (from, end) =>
  Promise.resolve({ url: `/api/heldar/hls/${from}-${end ?? "live"}/playlist.m3u8`, start: new Date(from).toISOString() });

/** A controller with the real player over a stand-in hls.js, playing into a video element. */
function controller(playlist: Playlists = signed) {
  const asked: [number, number | null][] = [];
  const playback = new PlaybackController({
    playlist: (from, end) => {
      asked.push([from, end]);
      return playlist(from, end);
    },
    now: () => NOW,
  });
  const video = document.createElement("video");
  playback.attach(video);
  let changes = 0;
  playback.addEventListener("change", () => (changes += 1));
  const ends: number[] = [];
  playback.addEventListener("chunk-end", (e) => ends.push((e as CustomEvent<number>).detail));
  return { playback, asked, video, ends, changes: () => changes };
}

/** Move the video on by `seconds` of media, as playing does, and tell the controller. */
function advance(video: HTMLVideoElement, seconds: number): void {
  video.currentTime += seconds;
  video.dispatchEvent(new Event("timeupdate"));
}

beforeEach(() => FakeHls.reset());
afterEach(() => vi.restoreAllMocks());

describe("the playback controller", () => {
  it("plays the growing live playlist near now, placed at the instant asked for", async () => {
    const { playback, asked, video } = controller();
    const from = NOW - 10 * MINUTE;
    await playback.playFrom(from);
    expect(asked).toEqual([[from, null]]);
    const hls = FakeHls.made[0];
    expect(hls.source).toBe(`/api/heldar/hls/${from}-live/playlist.m3u8`);
    expect(hls.media).toBe(video);
    expect(playback.wallClock()).toBeNull(); // nothing placed yet
    // The playlist's footage starts 6 s before the instant (its keyframe): the player loads
    // from there, and shows the instant asked for.
    loadMedia(from - 6_000);
    expect(hls.loadingFrom).toBe(0);
    expect(video.currentTime).toBe(6);
    expect(video.paused).toBe(false);
    expect(playback.wallClock()).toBe(from);
    expect(playback.playing).toBe(true);
  });

  it("shows the keyframe first when the instant lies past it, then the instant", async () => {
    const { playback, video } = controller();
    const from = NOW - 10 * MINUTE;
    await playback.playFrom(from);
    const hls = FakeHls.made[0];
    hls.levelLoaded([
      { start: 0, duration: 2, programDateTime: from - 1_500 },
      { start: 2, duration: 2, programDateTime: from + 500 },
    ]);
    video.currentTime = 0.7; // wherever the browser happens to sit
    video.dispatchEvent(new Event("loadedmetadata"));
    // The keyframe's picture decodes at once; the instant's needs the frames before it.
    expect(video.currentTime).toBe(0);
    expect(playback.wallClock()).toBeNull(); // not at the instant yet: nothing plays
    expect(video.paused).toBe(true);
    video.dispatchEvent(new Event("seeked"));
    expect(video.currentTime).toBe(1.5);
    expect(playback.wallClock()).toBe(from);
    expect(video.paused).toBe(false);
  });

  it("goes straight to an instant at its keyframe", async () => {
    const { playback, video } = controller();
    const from = NOW - 10 * MINUTE;
    await playback.playFrom(from);
    FakeHls.made[0].levelLoaded([{ start: 0, duration: 2, programDateTime: from - 100 }]);
    video.dispatchEvent(new Event("loadedmetadata"));
    expect(video.currentTime).toBe(0.1);
    expect(playback.wallClock()).toBe(from);
  });

  it("asks for hour-long chunks in the past, and one up to now just past the live reach", async () => {
    const { playback, asked } = controller();
    const past = NOW - 5 * HOUR;
    await playback.playFrom(past);
    expect(asked.at(-1)).toEqual([past, past + VOD_CHUNK_MS]);
    expect(playback.chunk).toEqual({ start: past, end: past + VOD_CHUNK_MS });
    const recent = NOW - LIVE_REACH_MS - MINUTE;
    await playback.playFrom(recent);
    expect(asked.at(-1)).toEqual([recent, recent + VOD_CHUNK_MS]);
    const within = NOW - LIVE_REACH_MS + MINUTE;
    await playback.playFrom(within);
    expect(asked.at(-1)).toEqual([within, null]);
  });

  it("tells its owner where a past chunk ended, so it goes on with the next, and not at a live end", async () => {
    const { playback, video, ends } = controller();
    const past = NOW - 3 * HOUR;
    await playback.playFrom(past);
    loadMedia(past);
    video.dispatchEvent(new Event("ended"));
    expect(ends).toEqual([past + VOD_CHUNK_MS]);
    await playback.playFrom(NOW - MINUTE);
    loadMedia(NOW - MINUTE);
    video.dispatchEvent(new Event("ended"));
    expect(ends).toHaveLength(1);
  });

  it("follows the playhead as the video plays, and keeps its rate across playlists", async () => {
    const { playback, video, changes } = controller();
    playback.setRate(4);
    const from = NOW - 30 * MINUTE;
    await playback.playFrom(from);
    loadMedia(from);
    expect(video.playbackRate).toBe(4);
    const before = changes();
    advance(video, 8.5);
    expect(playback.playhead).toBe(from + 8_500);
    expect(changes()).toBe(before + 1);
    playback.setRate(2);
    expect(video.playbackRate).toBe(2);
    await playback.playFrom(NOW - 2 * HOUR);
    loadMedia(NOW - 2 * HOUR);
    expect(video.playbackRate).toBe(2);
    expect(FakeHls.made[0].destroyed).toBe(true); // the first playlist's loader let go
  });

  it("stops: nothing plays, no playhead, the loader is gone", async () => {
    const { playback, video } = controller();
    await playback.playFrom(NOW - MINUTE);
    loadMedia(NOW - MINUTE);
    playback.stop();
    expect([playback.playing, playback.playhead, playback.wallClock(), playback.chunk]).toEqual([false, null, null, null]);
    expect(FakeHls.made[0].destroyed).toBe(true);
    advance(video, 3);
    expect(playback.playhead).toBeNull();
  });

  it("drops the answer to an older request when a newer one came first", async () => {
    const pending: ((answer: PlaylistAnswer) => void)[] = [];
    const { playback } = controller(() => new Promise<PlaylistAnswer>((resolve) => pending.push(resolve)));
    const first = playback.playFrom(NOW - 2 * HOUR);
    const second = playback.playFrom(NOW - 3 * HOUR);
    pending[1]({ url: "/second.m3u8", start: "" });
    pending[0]({ url: "/first.m3u8", start: "" });
    await Promise.all([first, second]);
    expect(FakeHls.made.map((hls) => hls.source)).toEqual(["/second.m3u8"]);
    expect(playback.chunk?.start).toBe(NOW - 3 * HOUR);
  });

  it("says why a playlist could not be had, and why the stream failed", async () => {
    const { playback } = controller(() => Promise.reject(wsError("not_found", "No Heldar camera sub9")));
    await playback.playFrom(NOW - HOUR / 2);
    expect(playback.error).toBe("No Heldar camera sub9");

    const working = controller().playback;
    await working.playFrom(NOW - MINUTE);
    const hls = FakeHls.made.at(-1)!;
    hls.error({ fatal: false, type: "networkError", details: "fragLoadTimeOut" }); // hls.js retries these
    expect(working.error).toBe("");
    hls.error({ fatal: true, type: "networkError", details: "manifestLoadError" });
    expect(working.error).toBe("networkError: manifestLoadError");
    expect(hls.destroyed).toBe(true);
  });

  it("plays with the browser's own HLS where there is no hls.js (Safari, iOS)", async () => {
    FakeHls.supported = false;
    const { playback, video } = controller();
    video.canPlayType = (type: string) => (type === "application/vnd.apple.mpegurl" ? "maybe" : "");
    const from = NOW - 20 * MINUTE;
    await playback.playFrom(from);
    expect(video.getAttribute("src")).toBe(`/api/heldar/hls/${from}-live/playlist.m3u8`);
    // Its playlist starts 30 s earlier: the browser tells that by the stream's start date.
    Object.assign(video, { getStartDate: () => new Date(from - 30_000) });
    video.dispatchEvent(new Event("loadedmetadata"));
    expect(video.currentTime).toBe(30);
    expect(playback.wallClock()).toBe(from);
  });

  it("says so where the browser cannot play HLS at all", async () => {
    FakeHls.supported = false;
    const { playback } = controller();
    await playback.playFrom(NOW - MINUTE);
    expect(playback.error).toBe("This browser cannot play HLS.");
  });
});

describe("several videos in step", () => {
  /** A controller placed (not playing) at `from`, its media ready. */
  async function placed(from: number) {
    const made = controller();
    await made.playback.playFrom(from, false);
    loadMedia(from - 60_000);
    Object.defineProperty(made.video, "readyState", { value: 4 });
    return made;
  }

  it("places without playing, so a caller starts them together", async () => {
    const { playback, video } = await placed(NOW - 2 * HOUR);
    expect(video.paused).toBe(true);
    expect(playback.ready).toBe(true);
    playback.resume();
    await settle();
    expect(video.paused).toBe(false);
    playback.pause();
    expect(video.paused).toBe(true);
  });

  it("catches up a little drift by rate, jumps within its playlist, loads beyond it", async () => {
    const from = NOW - 2 * HOUR;
    const { playback, video, asked } = await placed(from);
    playback.setRate(2);
    expect(playback.follow(from + IN_STEP_MS / 2)).toBe("in-step");
    expect(video.playbackRate).toBe(2);
    expect(playback.follow(from + CATCH_UP_MS / 2)).toBe("catching-up"); // behind: faster
    expect(video.playbackRate).toBeCloseTo(2.2);
    expect(playback.follow(from - CATCH_UP_MS / 2)).toBe("catching-up"); // ahead: slower
    expect(video.playbackRate).toBeCloseTo(1.8);
    expect(playback.playhead).toBe(from);

    expect(playback.follow(from + 10 * MINUTE)).toBe("seek");
    expect(video.currentTime).toBe(60 + 10 * 60);
    expect(playback.wallClock()).toBe(from + 10 * MINUTE);
    expect(playback.playhead).toBe(from + 10 * MINUTE);
    expect(video.playbackRate).toBe(2);
    expect(asked).toHaveLength(1);

    const beyond = from + VOD_CHUNK_MS + MINUTE; // past the chunk: its own playlist
    expect(playback.follow(beyond)).toBe("load");
    await settle();
    expect(asked.at(-1)?.[0]).toBe(beyond);
    expect(FakeHls.made.at(-1)?.source).toContain(String(beyond));
  });

  it("keeps in step as closely as its caller asks", async () => {
    const from = NOW - 2 * HOUR;
    const { playback, video } = await placed(from);
    const tight = { inStepMs: 40, catchUpMs: 400, catchUpRate: 0.15 };
    expect(playback.follow(from + 100)).toBe("in-step"); // the single player's tolerance
    expect(playback.follow(from + 100, tight)).toBe("catching-up");
    expect(video.playbackRate).toBeCloseTo(1.15);
    expect(playback.follow(from - 100, tight)).toBe("catching-up");
    expect(video.playbackRate).toBeCloseTo(0.85);
    expect(playback.follow(from + 30, tight)).toBe("in-step");
    expect(video.playbackRate).toBe(1);
    expect(playback.follow(from + 500, tight)).toBe("seek");
    expect(playback.wallClock()).toBe(from + 500);
  });

  it("waits while its media is not placed", async () => {
    const { playback } = controller();
    expect(playback.follow(NOW)).toBe("waiting");
    const asking = playback.playFrom(NOW - HOUR / 2);
    expect(playback.follow(NOW - HOUR / 2)).toBe("waiting");
    await asking;
    expect(playback.follow(NOW - HOUR / 2)).toBe("waiting"); // the playlist is there, its media not yet
  });
});
