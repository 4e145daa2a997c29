// One camera's timeline data as Home Assistant tells it: fetched for the range on screen (with
// room either side), kept current by the heldar/subscribe push, and the server's clock.
import { type Span, type TimelineData, addSegment, fromAnswer, upsertEvent } from "./model";
import type { HomeAssistant, SubscribeMessage, TimelineAnswer } from "./types";
import { errorText, iso } from "./ui";

/** After an event's push, the timeline is fetched again this much later: its pre-roll and file show then. */
const EVENT_RELOAD_MS = 1500;
/**
 * heldar/subscribe pushes segments and events, not activity: while the range shown reaches now,
 * the timeline is fetched again this often, so the activity strip keeps up with the camera.
 */
export const ACTIVITY_REFRESH_MS = 60_000;
/**
 * A view this many times narrower than what was loaded is fetched again: activity comes joined
 * coarser over a wide range (a minute over 24 h), and a zoom in should show the detail.
 */
const ZOOM_IN_REFETCH = 4;

/** Fires "change" when its data, error or clock changes. */
export class TimelineSource extends EventTarget {
  data: TimelineData = { spans: [], events: [], activity: [] };
  error = "";
  /** The server's clock minus the browser's, ms. */
  private skew = 0;

  private unsubscribe: Promise<() => Promise<void>> | null = null;
  private loaded: Span | null = null;
  /** The range last asked for (what the owner shows). */
  private asked: Span | null = null;
  private loading = false;
  private reload: number | undefined;
  private refresh: number | undefined;

  constructor(
    readonly camera: string,
    private readonly hass: () => HomeAssistant | undefined,
  ) {
    super();
  }

  /** Now on the server's clock, epoch ms. */
  get now(): number {
    return Date.now() + this.skew;
  }

  get connected(): boolean {
    return this.unsubscribe !== null;
  }

  /** Subscribe to new segments and events. */
  connect(): void {
    const hass = this.hass();
    if (!hass || this.unsubscribe) return;
    this.unsubscribe = hass.connection.subscribeMessage<SubscribeMessage>((message) => this.push(message), {
      type: "heldar/subscribe",
      camera: this.camera,
    });
    this.unsubscribe.catch((err: unknown) => this.fail(err));
    this.refresh = window.setInterval(() => this.refreshNow(), ACTIVITY_REFRESH_MS);
  }

  /** Fetch the range shown again if it reaches now (the push does not carry activity). */
  private refreshNow(): void {
    const asked = this.asked;
    if (asked && asked.end >= this.now - ACTIVITY_REFRESH_MS) void this.load(asked, true);
  }

  disconnect(): void {
    window.clearTimeout(this.reload);
    window.clearInterval(this.refresh);
    void this.unsubscribe?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    this.unsubscribe = null;
    this.loaded = null;
  }

  /**
   * Fetch the timeline when `range` leaves what was loaded (or always, when forced): half the
   * range more on either side, so a pan or a zoom out finds it there.
   */
  async load(range: Span, force = false): Promise<void> {
    this.asked = range;
    const hass = this.hass();
    if (!hass || this.loading) return;
    const { start, end } = range;
    const now = this.now;
    const loaded = this.loaded;
    const holds = loaded && loaded.start <= start && loaded.end >= Math.min(end, now - 60_000);
    const coarse = loaded && loaded.end - loaded.start > ZOOM_IN_REFETCH * (end - start);
    if (!force && holds && !coarse) return;
    this.loading = true;
    try {
      const from = start - (end - start) / 2;
      const to = Math.min(end + (end - start) / 2, now + 60_000);
      const answer = await hass.callWS<TimelineAnswer>({
        type: "heldar/timeline",
        camera: this.camera,
        start: iso(from),
        end: iso(to),
      });
      this.skew = Date.parse(answer.now) - Date.now();
      this.data = fromAnswer(answer);
      this.loaded = { start: from, end: to };
      this.error = "";
      this.changed();
    } catch (err) {
      this.fail(err);
    } finally {
      this.loading = false;
    }
  }

  private push(message: SubscribeMessage): void {
    if ("segment" in message) {
      this.data = { ...this.data, spans: addSegment(this.data.spans, message.segment) };
    } else {
      this.data = { ...this.data, events: upsertEvent(this.data.events, message.event) };
      // The pre-roll before it and the file being written show on the next timeline.
      window.clearTimeout(this.reload);
      this.reload = window.setTimeout(() => {
        if (this.asked) void this.load(this.asked, true);
      }, EVENT_RELOAD_MS);
    }
    this.changed();
  }

  private fail(err: unknown): void {
    this.error = errorText(err);
    this.changed();
  }

  private changed(): void {
    this.dispatchEvent(new Event("change"));
  }
}
