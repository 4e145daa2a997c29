// One camera's review panel: it composes the camera's head, its picture (live, or a recording
// played by its playback controller), the timeline bar, and export and share (for a user who may
// export). Each of those owns its own state; this panel only wires what one tells to the others.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { PlayDetail } from "./event-strip";
import { neighbourActivity } from "./activity";
import { ExportController } from "./export-controller";
import { type Span, type TimelineEvent, neighbourEvent, snapToFootage, viewStart } from "./model";
import { PlaybackController } from "./playback";
import { SkipIdle } from "./skip-idle";
import { CARD_TEXT, text } from "./strings";
import type { HoverDetail } from "./scrub-preview";
import { controlStyles, panelStyles, screenStyles } from "./styles";
import { type Clock, formatClock, formatDateTime } from "./time";
import { TimelineSource } from "./timeline-source";
import type { CameraInfo, HomeAssistant, PlaylistAnswer } from "./types";
import { icon, iso } from "./ui";

const RATES = [1, 2, 4] as const;
/** How long a notice (what Trigger did) stays. */
const NOTICE_MS = 8_000;

/** The clock HA shows time with: its zone, the user's language and 12/24-hour choice. */
function clockOf(hass: HomeAssistant | undefined, timeZone: string): Clock {
  const locale = hass?.locale;
  const hour12 = locale?.time_format === "12" ? true : locale?.time_format === "24" ? false : undefined;
  return { timeZone, locale: locale?.language ?? hass?.language ?? "en", hour12 };
}

export class HeldarCameraTimeline extends LitElement {
  static override styles = [controlStyles, screenStyles, panelStyles];

  static override properties = {
    hass: { attribute: false },
    camera: { attribute: false },
    timeZone: { attribute: false },
    hours: { type: Number },
    _now: { state: true },
    _selecting: { state: true },
    _selection: { state: true },
    _message: { state: true },
    _error: { state: true },
    _notice: { state: true },
    _openEvent: { state: true },
  };

  hass?: HomeAssistant;
  camera?: CameraInfo;
  timeZone = "UTC";
  hours = 3;

  private _now = Date.now();
  private _selecting = false;
  private _selection: Span | null = null;
  private _message = "";
  private _error = "";
  private _notice = "";
  /** The event whose pop-up is open on the bar: what Share shares. */
  private _openEvent: TimelineEvent | null = null;
  private _noticeClear: number | undefined;
  private _timer: number | undefined;

  private _source: TimelineSource | null = null;
  private _export: ExportController | null = null;
  private readonly _playback = new PlaybackController({
    playlist: (from, end) => this._playlist(from, end),
    now: () => this._serverNow,
  });
  private readonly _skipIdle = new SkipIdle();
  private readonly _update = () => this.requestUpdate();

  constructor() {
    super();
    this._playback.addEventListener("change", this._update);
    this._playback.addEventListener("change", () => this._skipIfIdle());
    this._playback.addEventListener("chunk-end", (event) => void this.playFrom((event as CustomEvent<number>).detail));
  }

  private get _serverNow(): number {
    return this._source?.now ?? Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._timer = window.setInterval(() => (this._now = this._serverNow), 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this._timer);
    window.clearTimeout(this._noticeClear);
    this._playback.stop();
    this._source?.disconnect();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const camera = this.camera;
    if (changed.has("camera") && camera && camera.camera !== this._source?.camera) this._own(camera.camera);
    if (this.hass && this._source && !this._source.connected && this.isConnected) {
      this._source.connect();
      // What the bar shows (connected again after a move), or the opening view.
      const now = this._serverNow;
      const shown = this.renderRoot.querySelector("heldar-timeline-bar")?.view;
      void this._source.load(shown ?? { start: viewStart({ end: now, hours: this.hours }), end: now }, true);
    }
  }

  protected override updated(): void {
    const video = this.renderRoot.querySelector("video");
    if (video) this._playback.attach(video);
  }

  /** Make the timeline source and the export of a camera (what played of another one stops). */
  private _own(camera: string): void {
    this._playback.stop();
    this._source?.removeEventListener("change", this._update);
    this._source?.disconnect();
    this._export?.removeEventListener("change", this._update);
    this._source = new TimelineSource(camera, () => this.hass);
    this._source.addEventListener("change", this._update);
    this._export = new ExportController({ hass: () => this.hass, camera });
    this._export.addEventListener("change", this._update);
  }

  private _playlist(from: number, end: number | null): Promise<PlaylistAnswer> {
    const { hass, camera } = this;
    if (!hass || !camera) return Promise.reject(new Error("Not connected to Home Assistant."));
    return hass.callWS<PlaylistAnswer>({
      type: "heldar/playlist",
      camera: camera.camera,
      start: iso(from),
      end: end === null ? null : iso(end),
    });
  }

  /** Play from wall-clock instant t: snapped to the next recorded footage if t falls in a gap. */
  async playFrom(t: number): Promise<void> {
    // Past what the timeline has loaded, a camera recording now (or an event still open) has
    // the file being written: the live playlist holds it.
    const spans = this._source?.data.spans ?? [];
    const from = snapToFootage(spans, t) ?? (this._recordingNow() ? Math.min(t, this._serverNow) : null);
    if (from === null) {
      this._message = "No recording after this point.";
      return;
    }
    this._message = "";
    this._error = "";
    await this._playback.playFrom(from);
  }

  /** With Skip idle on, past the end of an active stretch: go on at the next one. */
  private _skipIfIdle(): void {
    const playhead = this._playback.playhead;
    if (!this._playback.playing || playhead === null) {
      this._skipIdle.reset();
      return;
    }
    const to = this._skipIdle.next(this._source?.data.activity ?? [], playhead);
    if (to !== null) this._playback.jumpTo(to);
  }

  /** Play from an instant the user chose: Skip idle starts afresh from there. */
  private _playChosen(t: number): void {
    this._skipIdle.reset();
    void this.playFrom(t);
  }

  private _recordingNow(): boolean {
    const state = this.camera?.entities.state;
    const recording = state ? this.hass?.states[state]?.state === "recording" : false;
    return recording || (this._source?.data.events ?? []).some((event) => event.end === null);
  }

  /** The wall-clock instant (epoch ms) of the frame on screen, from the stream's program date-time. */
  playingAt(): number | null {
    return this._playback.wallClock();
  }

  goLive(): void {
    this._playback.stop();
    this.renderRoot.querySelector("heldar-timeline-bar")?.followNow();
  }

  private _jump(direction: -1 | 1): void {
    const from = this._playback.playhead ?? this._serverNow;
    const event = neighbourEvent(this._source?.data.events ?? [], from, direction);
    if (!event) {
      this._message = direction > 0 ? "No later event." : "No earlier event.";
      return;
    }
    this._playChosen(event.start);
  }

  /** Play from the start of the previous or next active stretch. */
  private _jumpActivity(direction: -1 | 1): void {
    const from = this._playback.playhead ?? this._serverNow;
    const stretch = neighbourActivity(this._source?.data.activity ?? [], from, direction);
    if (!stretch) {
      this._message = this._text(direction > 0 ? "no_later_activity" : "no_earlier_activity");
      return;
    }
    this._playChosen(stretch.start);
  }

  private _text(key: string): string {
    return text(this.hass?.localize, `${CARD_TEXT}${key}`);
  }

  private _tell(words: string): void {
    this._notice = words;
    window.clearTimeout(this._noticeClear);
    this._noticeClear = window.setTimeout(() => (this._notice = ""), NOTICE_MS);
  }

  private get _clock(): Clock {
    return clockOf(this.hass, this.timeZone);
  }

  private _renderScreen(): TemplateResult {
    const cameraEntity = this.camera?.entities.camera ?? null;
    const playing = this._playback.playing;
    const playhead = this._playback.playhead;
    return html`<div class="screen">
      <video ?hidden=${!playing} muted playsinline></video>
      ${playing ? html`<span class="badge">${playhead === null ? "" : formatDateTime(playhead, this._clock)}</span>` : nothing}
      ${cameraEntity
        ? html`<heldar-live-picture
            ?hidden=${playing}
            .hass=${this.hass}
            .entity=${cameraEntity}
            .active=${!playing}
          ></heldar-live-picture>`
        : playing
          ? nothing
          : html`<div class="none">Click the timeline to play a recording.</div>`}
    </div>`;
  }

  private _renderControls(): TemplateResult {
    const selection = this._selection;
    const playback = this._playback;
    return html`<div class="bar">
        <button class="prev-event" title="Previous event" @click=${() => this._jump(-1)}>
          ${icon("mdi:skip-previous", "◀")}
        </button>
        <button class="next-event" title="Next event" @click=${() => this._jump(1)}>
          ${icon("mdi:skip-next", "▶")}
        </button>
        <button
          class="prev-activity"
          title=${this._text("previous_activity")}
          aria-label=${this._text("previous_activity")}
          @click=${() => this._jumpActivity(-1)}
        >
          ${icon("mdi:skip-previous-circle-outline", "⇤")}
        </button>
        <button
          class="next-activity"
          title=${this._text("next_activity")}
          aria-label=${this._text("next_activity")}
          @click=${() => this._jumpActivity(1)}
        >
          ${icon("mdi:skip-next-circle-outline", "⇥")}
        </button>
        <button
          class="skip-idle"
          title=${this._text("skip_idle_helper")}
          aria-pressed=${this._skipIdle.enabled ? "true" : "false"}
          @click=${() => {
            this._skipIdle.enabled = !this._skipIdle.enabled;
            this.requestUpdate();
          }}
        >
          ${this._text("skip_idle")}
        </button>
        ${RATES.map(
          (rate) =>
            html`<button
              class="rate"
              aria-pressed=${playback.rate === rate ? "true" : "false"}
              @click=${() => playback.setRate(rate)}
            >
              ${rate}×
            </button>`,
        )}
        <button class="live-button" aria-pressed=${playback.playing ? "false" : "true"} @click=${() => this.goLive()}>
          Live
        </button>
        <span class="grow"></span>
        ${this.camera?.may_export ? this._renderExport() : nothing}
      </div>
      ${selection
        ? html`<div class="message selection-range">
            ${formatDateTime(selection.start, this._clock)} – ${formatClock(selection.end, this._clock)}
          </div>`
        : nothing}`;
  }

  /** Select and Download, for a user who may export the camera's footage. */
  private _renderExport(): TemplateResult {
    const selection = this._selection;
    const exporting = this._export;
    return html`<button
          class="select-range"
          aria-pressed=${this._selecting ? "true" : "false"}
          @click=${() => {
            this._selecting = !this._selecting;
            if (!this._selecting) this._selection = null;
          }}
        >
          Select
        </button>
        <button
          class="download"
          ?disabled=${!selection || (exporting?.busy ?? true)}
          @click=${() => selection && void exporting?.download(selection)}
        >
          Download
        </button>`;
  }

  protected override render(): TemplateResult {
    const source = this._source;
    const data = source?.data ?? { spans: [], events: [], activity: [] };
    const playback = this._playback;
    const message = this._message || (this._export?.message ?? "");
    const error = this._error || playback.error || this._export?.error || source?.error || "";
    return html`<heldar-camera-head
        .hass=${this.hass}
        .camera=${this.camera}
        .clock=${this._clock}
        @heldar-notice=${(e: CustomEvent<{ text: string }>) => this._tell(e.detail.text)}
        @heldar-error=${(e: CustomEvent<{ text: string }>) => (this._error = e.detail.text)}
      ></heldar-camera-head>
      ${this._renderScreen()}
      <heldar-scrub-preview .hass=${this.hass} .camera=${this.camera?.camera ?? ""} .clock=${this._clock}></heldar-scrub-preview>
      <heldar-timeline-bar
        .lanes=${[{ id: this.camera?.camera ?? "", spans: data.spans, activity: data.activity }]}
        .events=${data.events}
        .clock=${this._clock}
        .now=${this._now}
        .hours=${this.hours}
        .playhead=${playback.playhead}
        .playing=${playback.playing}
        .selecting=${this._selecting}
        .selection=${this._selection}
        @heldar-play=${(e: CustomEvent<PlayDetail>) => this._playChosen(e.detail.t)}
        @heldar-select=${(e: CustomEvent<{ range: Span | null }>) => (this._selection = e.detail.range)}
        @heldar-view=${(e: CustomEvent<Span>) => {
          void source?.load(e.detail);
          this.renderRoot.querySelector("heldar-scrub-preview")?.prefetch(e.detail);
        }}
        @heldar-hover=${(e: CustomEvent<HoverDetail>) => this.renderRoot.querySelector("heldar-scrub-preview")?.hover(e.detail)}
        @heldar-popup=${(e: CustomEvent<{ event: TimelineEvent | null }>) => (this._openEvent = e.detail.event)}
      >
        ${this.camera?.may_export
          ? html`<heldar-event-share
              slot="event-actions"
              .controller=${this._export}
              .event=${this._openEvent}
              .clock=${this._clock}
            ></heldar-event-share>`
          : nothing}
      </heldar-timeline-bar>
      ${this._renderControls()}
      <div class="message notice" role="status" ?hidden=${!this._notice}>${this._notice}</div>
      ${message ? html`<div class="message">${message}</div>` : nothing}
      ${error ? html`<div class="message error">${error}</div>` : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-camera-timeline": HeldarCameraTimeline;
  }
}
