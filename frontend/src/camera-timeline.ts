// One camera's review panel: live state and controls, the picture, and the scrubbable timeline.
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { timelineStyles } from "./styles";
import { Player } from "./player";
import {
  type Span,
  type TimelineData,
  type TimelineEvent,
  type View,
  addSegment,
  fractionOf,
  fromAnswer,
  gapsBetween,
  neighbourEvent,
  orderedRange,
  snapToFootage,
  timeAt,
  upsertEvent,
  viewStart,
  zoomAround,
  zoomStep,
  ZOOM_HOURS,
} from "./model";
import { type Clock, HOUR, formatClock, formatDateTime, ticks } from "./time";
import { CARD_TEXT, NOT_AVAILABLE, TRIGGER_RESULT, text } from "./strings";
import type {
  CameraInfo,
  CardHelpers,
  ExportAnswer,
  HomeAssistant,
  LovelaceCardElement,
  PlaylistAnswer,
  ServiceAnswer,
  SubscribeMessage,
  TimelineAnswer,
  TriggerAnswer,
} from "./types";

/** Closer to now than this, playback asks for the live (growing) playlist and runs into the present. */
const LIVE_REACH_MS = HOUR;
/** A past playlist covers this much; at its end playback continues with the next one. */
const VOD_CHUNK_MS = HOUR;
const RATES = [1, 2, 4] as const;
/** A press that moves less than this (px) is a click, not a drag. */
const CLICK_SLOP_PX = 6;

/** How long the card waits for an export to finish before giving up on downloading it. */
const EXPORT_WAIT_MS = 10 * 60_000;
/** A pop-up opened by hovering waits this long after the pointer leaves, so it can be reached. */
const POPUP_GRACE_MS = 500;
/** How long a notice (what Trigger did) stays. */
const NOTICE_MS = 8_000;
/** A camera whose picture failed is asked again this often. */
const PICTURE_RETRY_MS = 30_000;


/** Resolve once url answers (the file exists); 404 means not yet. */
async function whenReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { Range: "bytes=0-0" }, cache: "no-store", signal: controller.signal });
    controller.abort(); // only the status matters, not the body
    if (response.ok) return;
    if (response.status !== 404) throw new Error(`The download failed (HTTP ${response.status}).`);
    if (Date.now() > deadline) throw new Error("The export did not finish in time.");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const iso = (t: number): string => new Date(t).toISOString();
/** An HA icon where the frontend has them, a plain character elsewhere (unit tests, very old frontends). */
const icon = (name: string, fallback: string): TemplateResult =>
  customElements.get("ha-icon") ? html`<ha-icon .icon=${name}></ha-icon>` : html`${fallback}`;
const pct = (fraction: number): string => `${(fraction * 100).toFixed(3)}%`;

function errorText(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) return String((err).message);
  return String(err);
}

export class HeldarCameraTimeline extends LitElement {
  static override styles = timelineStyles;

  static override properties = {
    hass: { attribute: false },
    camera: { attribute: false },
    timeZone: { attribute: false },
    hours: { type: Number },
    _view: { state: true },
    _data: { state: true },
    _playing: { state: true },
    _playhead: { state: true },
    _cursor: { state: true },
    _selecting: { state: true },
    _selection: { state: true },
    _rate: { state: true },
    _popup: { state: true },
    _message: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _pinned: { state: true },
    _focused: { state: true },
    _notice: { state: true },
    _picture: { state: true },
  };

  hass?: HomeAssistant;
  camera?: CameraInfo;
  timeZone = "UTC";
  hours = 3;

  private _view: View = { end: Date.now(), hours: 3 };
  private _follow = true;
  private _data: TimelineData = { spans: [], events: [] };
  private _playing = false;
  private _playhead: number | null = null;
  private _cursor: number | null = null;
  private _selecting = false;
  private _selection: Span | null = null;
  private _rate = 1;
  private _popup: TimelineEvent | null = null;
  private _message = "";
  private _error = "";
  private _busy = false;
  /** The pop-up was opened by a click, a tap or a key: it stays until closed. */
  private _pinned = false;
  /** The event the keyboard is on (roving focus over the events strip). */
  private _focused: string | null = null;
  private _notice = "";
  /** Whether the camera entity's picture loads: "unknown" until asked. */
  private _picture: "unknown" | "ok" | "missing" = "unknown";
  private _pictureAsked = 0;
  private _popupClose: number | undefined;
  private _noticeClear: number | undefined;

  private _skew = 0; // server clock minus browser clock
  private _player: Player | null = null;
  private _playlistEnd: number | null = null;
  private _unsubscribe: Promise<() => Promise<void>> | null = null;
  private _timer: number | undefined;
  private _loadedRange: Span | null = null;
  private _loading = false;
  private _press: { x: number; t: number; moved: boolean } | null = null;
  private _live: LovelaceCardElement | null = null;
  private _width = 480;
  private _resize = new ResizeObserver((entries) => {
    const width = entries[0]?.contentRect.width ?? 0;
    if (width > 0 && Math.abs(width - this._width) > 8) {
      this._width = width;
      this.requestUpdate();
    }
  });

  private get _now(): number {
    return Date.now() + this._skew;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._timer = window.setInterval(() => this._tick(), 1000);
    this._resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this._timer);
    window.clearTimeout(this._popupClose);
    window.clearTimeout(this._noticeClear);
    this._resize.disconnect();
    this._player?.stop();
    this._player = null;
    this._playing = false;
    void this._unsubscribe?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    this._unsubscribe = null;
    this._loadedRange = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("hours")) this._view = { end: this._now, hours: this.hours };
    if (this.hass && this.camera && !this._unsubscribe && this.isConnected) {
      this._subscribe();
      void this._load(true);
    }
    const cameraEntity = this.camera?.entities.camera;
    if (cameraEntity && !this._playing) {
      void this._checkPicture(cameraEntity);
      // Shown while its picture is asked for; only a picture that loaded is labelled Live.
      if (this._picture !== "missing") void this._ensureLive(cameraEntity);
    }
    if (this._live && this.hass) this._live.hass = this.hass;
  }

  protected override updated(): void {
    const holder = this.renderRoot.querySelector(".live-holder");
    if (holder && this._live && this._live.parentElement !== holder) holder.replaceChildren(this._live);
  }

  /** Follow now, keep the playhead in view, fetch what the view newly shows. */
  private _tick(): void {
    if (this._playing && this._player) {
      const clock = this._player.wallClock();
      if (clock !== null) this._playhead = clock;
    }
    if (this._follow && !this._playing) this._view = { ...this._view, end: this._now };
    if (this._playing && this._playhead !== null) {
      const start = viewStart(this._view);
      if (this._playhead < start || this._playhead > this._view.end) {
        const span = this._view.hours * HOUR;
        this._follow = false;
        this._view = { ...this._view, end: Math.min(this._now, this._playhead + span / 2) };
      }
    }
    void this._load(false);
  }

  private _subscribe(): void {
    const { hass, camera } = this;
    if (!hass || !camera) return;
    this._unsubscribe = hass.connection.subscribeMessage<SubscribeMessage>(
      (message) => {
        if ("segment" in message) this._data = { ...this._data, spans: addSegment(this._data.spans, message.segment) };
        else if ("event" in message) {
          this._data = { ...this._data, events: upsertEvent(this._data.events, message.event) };
          // The pre-roll before it and the file being written show on the next timeline.
          window.setTimeout(() => void this._load(true), 1500);
        }
      },
      { type: "heldar/subscribe", camera: camera.camera },
    );
    this._unsubscribe.catch((err: unknown) => {
      this._error = errorText(err);
    });
  }

  /** Fetch the timeline when the view leaves what was loaded (or always, when forced). */
  private async _load(force: boolean): Promise<void> {
    const { hass, camera } = this;
    if (!hass || !camera || this._loading) return;
    const start = viewStart(this._view);
    const end = this._view.end;
    const loaded = this._loadedRange;
    if (!force && loaded && loaded.start <= start && loaded.end >= Math.min(end, this._now - 60_000)) return;
    this._loading = true;
    try {
      const from = start - (end - start) / 2;
      const to = Math.min(end + (end - start) / 2, this._now + 60_000);
      const answer = await hass.callWS<TimelineAnswer>({
        type: "heldar/timeline",
        camera: camera.camera,
        start: iso(from),
        end: iso(to),
      });
      this._skew = Date.parse(answer.now) - Date.now();
      this._data = fromAnswer(answer);
      this._loadedRange = { start: from, end: to };
      this._error = "";
    } catch (err) {
      this._error = errorText(err);
    } finally {
      this._loading = false;
    }
  }

  /** Play from wall-clock instant t: snapped to the next recorded footage if t falls in a gap. */
  async playFrom(t: number): Promise<void> {
    const { hass, camera } = this;
    if (!hass || !camera) return;
    // Past what the timeline has loaded, a camera recording now (or an event still open) has
    // the file being written: the live playlist holds it.
    const from = snapToFootage(this._data.spans, t) ?? (this._recordingNow() ? Math.min(t, this._now) : null);
    if (from === null) {
      this._message = "No recording after this point.";
      return;
    }
    const live = this._now - from < LIVE_REACH_MS;
    const end = live ? null : Math.min(from + VOD_CHUNK_MS, this._now);
    this._message = "";
    this._error = "";
    this._playing = true;
    this._playhead = from;
    await this.updateComplete;
    try {
      const answer = await hass.callWS<PlaylistAnswer>({
        type: "heldar/playlist",
        camera: camera.camera,
        start: iso(from),
        end: end === null ? null : iso(end),
      });
      const video = this.renderRoot.querySelector("video");
      if (!video || !this._playing) return;
      this._playlistEnd = end;
      this._player ??= new Player(video, (message) => {
        this._error = message;
      });
      this._player.play(answer.url, from, this._rate);
    } catch (err) {
      this._error = errorText(err);
    }
  }

  private _recordingNow(): boolean {
    const state = this.camera?.entities.state;
    const recording = state ? this.hass?.states[state]?.state === "recording" : false;
    return recording || this._data.events.some((event) => event.end === null);
  }

  private _ended(): void {
    // A past chunk ran out: go on with the next one, as a recorder would.
    if (this._playlistEnd !== null && this._playlistEnd < this._now - 1000) void this.playFrom(this._playlistEnd);
  }

  private _timeupdate(): void {
    const clock = this._player?.wallClock() ?? null;
    if (clock !== null) this._playhead = clock;
  }

  /** The wall-clock instant (epoch ms) of the frame on screen, from the stream's program date-time. */
  playingAt(): number | null {
    return this._playing ? (this._player?.wallClock() ?? null) : null;
  }

  goLive(): void {
    this._player?.stop();
    this._playing = false;
    this._playhead = null;
    this._follow = true;
    this._view = { ...this._view, end: this._now };
  }

  private _jump(direction: -1 | 1): void {
    const from = this._playhead ?? this._now;
    const event = neighbourEvent(this._data.events, from, direction);
    if (!event) {
      this._message = direction > 0 ? "No later event." : "No earlier event.";
      return;
    }
    this._centre(event.start);
    void this.playFrom(event.start);
  }

  private _centre(t: number): void {
    const span = this._view.hours * HOUR;
    if (t >= viewStart(this._view) && t <= this._view.end) return;
    this._follow = false;
    this._view = { ...this._view, end: Math.min(this._now, t + span / 2) };
  }

  private _setRate(rate: number): void {
    this._rate = rate;
    this._player?.setRate(rate);
  }

  private _zoom(hours: number, anchor?: number): void {
    const now = this._now;
    this._view = zoomAround(this._view, hours, anchor ?? this._playhead ?? this._view.end, now);
    this._follow = this._view.end >= now - 1000 && !this._playing;
    void this._load(false);
  }

  private _pan(direction: -1 | 1): void {
    const now = this._now;
    const end = Math.min(now, this._view.end + (direction * this._view.hours * HOUR) / 2);
    this._view = { ...this._view, end };
    this._follow = end >= now - 1000 && !this._playing;
    void this._load(false);
  }

  private _timeOf(event: PointerEvent | WheelEvent): number {
    const track = event.currentTarget as HTMLElement;
    const box = track.getBoundingClientRect();
    return timeAt((event.clientX - box.left) / box.width, this._view);
  }

  private _down(event: PointerEvent): void {
    if (event.button !== 0) return;
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    const t = this._timeOf(event);
    this._press = { x: event.clientX, t, moved: false };
    this._cursor = t;
    this._closePopup();
    if (this._selecting) this._selection = { start: t, end: t };
  }

  private _move(event: PointerEvent): void {
    const t = this._timeOf(event);
    this._cursor = t;
    if (!this._press) return;
    // Selecting, any drag counts: at a week's zoom one pixel is many minutes.
    const slop = this._selecting ? 1 : CLICK_SLOP_PX;
    if (Math.abs(event.clientX - this._press.x) > slop) this._press.moved = true;
    if (this._selecting) this._selection = orderedRange(this._press.t, t);
  }

  private _up(event: PointerEvent): void {
    const press = this._press;
    this._press = null;
    if (!press) return;
    const t = this._timeOf(event);
    if (this._selecting) {
      this._selection = press.moved ? orderedRange(press.t, t) : null;
      return;
    }
    if (event.pointerType !== "mouse") this._cursor = null;
    void this.playFrom(t); // a click, or the end of a scrub: play from the instant under the pointer
  }

  private _leave(): void {
    if (!this._press) this._cursor = null;
  }

  private _wheel(event: WheelEvent): void {
    if (!event.ctrlKey) return; // a plain wheel scrolls the page; Ctrl + wheel (or a pinch) zooms
    event.preventDefault();
    this._zoom(zoomStep(this._view.hours, event.deltaY > 0 ? 1 : -1), this._timeOf(event));
  }

  private async _download(): Promise<void> {
    const { hass, camera, _selection: selection } = this;
    if (!hass || !camera || !selection) return;
    this._busy = true;
    this._error = "";
    this._message = "Exporting…";
    try {
      const answer = await hass.callWS<ExportAnswer>({
        type: "heldar/export",
        camera: camera.camera,
        start: iso(selection.start),
        end: iso(selection.end),
      });
      const gaps = answer.gaps.length ? `, ${answer.gaps.length} gap(s) inside` : "";
      this._message = `Exporting ${Math.round(answer.seconds)} s${gaps}…`;
      // The export runs in the background and appears, whole, when it is done.
      await whenReady(answer.url, EXPORT_WAIT_MS);
      this._message = `Exported ${Math.round(answer.seconds)} s${gaps}.`;
      const link = document.createElement("a");
      link.href = answer.url;
      link.download = answer.path.split("/").pop() ?? "heldar.mp4";
      link.rel = "noopener";
      document.body.append(link);
      link.click();
      link.remove();
    } catch (err) {
      this._message = "";
      this._error = errorText(err);
    } finally {
      this._busy = false;
    }
  }

  private async _ensureLive(entity: string): Promise<void> {
    if (this._live) return;
    const loader = (window as unknown as { loadCardHelpers?: () => Promise<CardHelpers> }).loadCardHelpers;
    if (!loader) return;
    const helpers = await loader();
    const card = helpers.createCardElement({
      type: "picture-entity",
      entity,
      camera_view: "live",
      show_name: false,
      show_state: false,
    });
    card.classList.add("live");
    card.hass = this.hass;
    this._live = card;
    this.requestUpdate();
  }

  private _toggle(domain: string, service: string, entity: string | null): void {
    if (!entity || !this.hass) return;
    this.hass.callService(domain, service, { entity_id: entity }).catch((err: unknown) => {
      this._error = errorText(err);
    });
  }

  /** Trigger the camera (as its button does) and say what that did. */
  private async _trigger(): Promise<void> {
    const { hass, camera } = this;
    if (!hass || !camera?.device_id) return;
    try {
      const answer = await hass.callWS<ServiceAnswer<{ cameras: TriggerAnswer[] }>>({
        type: "call_service",
        domain: "heldar",
        service: "trigger",
        service_data: { reason: "button" },
        target: { device_id: camera.device_id },
        return_response: true,
      });
      const result = answer.response.cameras[0];
      if (result) this._tell(this._triggerText(result));
    } catch (err) {
      this._error = errorText(err);
    }
  }

  private _triggerText(result: TriggerAnswer): string {
    const localize = this.hass?.localize;
    let words = `${result.camera}: ${text(localize, TRIGGER_RESULT + result.result)}`;
    if ((result.result === "started" || result.result === "extended") && result.window_end) {
      const time = formatClock(Date.parse(result.window_end), this._clock);
      words += ` (${text(localize, `${CARD_TEXT}until`, { time })})`;
    }
    return words;
  }

  private _tell(words: string): void {
    this._notice = words;
    window.clearTimeout(this._noticeClear);
    this._noticeClear = window.setTimeout(() => (this._notice = ""), NOTICE_MS);
  }

  /** Ask once (then every 30 s while it fails) whether the camera's picture loads. */
  private async _checkPicture(entity: string): Promise<void> {
    const now = Date.now();
    if (this._picture === "ok" || now - this._pictureAsked < PICTURE_RETRY_MS) return;
    this._pictureAsked = now;
    const picture = this.hass?.states[entity]?.attributes.entity_picture;
    if (typeof picture !== "string") {
      this._picture = "missing";
      return;
    }
    try {
      const response = await fetch(picture, { cache: "no-store" });
      this._picture = response.ok ? "ok" : "missing";
    } catch {
      this._picture = "missing";
    }
  }

  private _renderHead(): TemplateResult {
    const { hass, camera } = this;
    const entities = camera?.entities;
    const stateObj = entities?.state ? hass?.states[entities.state] : undefined;
    const stateText = stateObj ? (hass?.formatEntityState?.(stateObj) ?? stateObj.state) : "unknown";
    const recording = entities?.recording ? hass?.states[entities.recording] : undefined;
    return html`<div class="head">
      <span class="name">${camera?.name ?? ""}</span>
      <span class="state ${stateObj?.state === "recording" ? "recording" : ""}" data-state=${stateObj?.state ?? ""}>
        ${stateText}
      </span>
      ${recording
        ? html`<button
            class="recording-switch"
            aria-pressed=${recording.state === "on" ? "true" : "false"}
            @click=${() => this._toggle("switch", "toggle", entities?.recording ?? null)}
          >
            Recording ${recording.state === "on" ? "on" : "off"}
          </button>`
        : nothing}
      ${entities?.trigger ? this._renderTrigger() : nothing}
    </div>`;
  }

  /** The Trigger button; where triggers do nothing in the camera's mode, disabled and saying why. */
  private _renderTrigger(): TemplateResult {
    const hass = this.hass;
    const state = this.camera?.entities.state;
    // "accepted", or why a trigger does nothing in the camera's mode (the button is unavailable).
    const triggers = state ? hass?.states[state]?.attributes.triggers : undefined;
    const idle = typeof triggers === "string" && triggers !== "accepted" ? triggers : undefined;
    const why = idle ? text(hass?.localize, TRIGGER_RESULT + idle) : "";
    return html`<button
      class="trigger"
      ?disabled=${Boolean(idle)}
      title=${why}
      aria-description=${why}
      @click=${() => void this._trigger()}
    >
      Trigger
    </button>`;
  }

  private _renderScreen(): TemplateResult {
    const cameraEntity = this.camera?.entities.camera ?? null;
    const clock = this._playhead === null ? "" : formatDateTime(this._playhead, this._clock);
    return html`<div class="screen">
      <video
        ?hidden=${!this._playing}
        muted
        playsinline
        @timeupdate=${() => this._timeupdate()}
        @ended=${() => this._ended()}
      ></video>
      ${this._playing
        ? html`<span class="badge">${clock}</span>`
        : cameraEntity && this._picture === "missing"
          ? html`<div class="none placeholder" role="img">${text(this.hass?.localize, NOT_AVAILABLE)}</div>`
          : cameraEntity
            ? html`<div class="live-holder live"></div>
                ${this._picture === "ok" ? html`<span class="badge">Live</span>` : nothing}`
            : html`<div class="none">Click the timeline to play a recording.</div>`}
    </div>`;
  }

  private get _clock(): Clock {
    const locale = this.hass?.locale;
    const hour12 = locale?.time_format === "12" ? true : locale?.time_format === "24" ? false : undefined;
    return { timeZone: this.timeZone, locale: locale?.language ?? this.hass?.language ?? "en", hour12 };
  }

  private _renderTimeline(): TemplateResult {
    const view = this._view;
    const start = viewStart(view);
    const visible = (a: number, b: number) => b >= start && a <= view.end;
    const left = (t: number) => pct(Math.max(0, fractionOf(t, view)));
    const width = (a: number, b: number) =>
      pct(Math.min(1, fractionOf(b, view)) - Math.max(0, fractionOf(a, view)));
    const now = this._now;
    const spans = this._data.spans.filter((s) => visible(s.start, s.end));
    const gaps = gapsBetween(this._data.spans, start, view.end);
    const events = this._data.events.filter((e) => visible(e.start, e.end ?? now));
    const popup = this._popup;
    const tabbable = events.some((e) => e.id === this._focused) ? this._focused : (events.at(-1)?.id ?? null);
    return html`<div class="timeline">
      <div
        class="events"
        role="toolbar"
        aria-label="Events"
        @keydown=${(ev: KeyboardEvent) => this._eventKey(ev, events)}
      >
        ${events.map(
          (e) =>
            html`<div
              class="event ${popup?.id === e.id ? "open" : ""}"
              data-id=${e.id}
              title=${e.reason}
              role="button"
              tabindex=${e.id === tabbable ? "0" : "-1"}
              aria-label="${e.reason}, ${formatDateTime(e.start, this._clock)}"
              aria-expanded=${popup?.id === e.id ? "true" : "false"}
              style="left:${left(e.start)};width:${width(e.start, e.end ?? now)}"
              @pointerenter=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._hover(e)}
              @pointerleave=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._unhover()}
              @click=${() => this._openPopup(e, true)}
              @focus=${() => this._openPopup(e, true)}
            ></div>`,
        )}
        ${popup
          ? html`<div
              class="popup"
              role="dialog"
              aria-label=${popup.reason}
              style="left:clamp(90px, ${left(popup.start)}, calc(100% - 90px))"
              @pointerenter=${() => window.clearTimeout(this._popupClose)}
              @pointerleave=${(ev: PointerEvent) => ev.pointerType === "mouse" && this._unhover()}
            >
              <button class="close-popup" aria-label="Close" @click=${() => this._closePopup()}>×</button>
              ${popup.thumbnail ? html`<img src=${popup.thumbnail} alt="" loading="lazy" />` : nothing}
              <div><b>${popup.reason}</b></div>
              <div>${formatDateTime(popup.start, this._clock)}</div>
              <button class="play-event" @click=${() => this._playEvent(popup)}>Play</button>
            </div>`
          : nothing}
      </div>
      <div
        class="track"
        data-view-start=${iso(start)}
        data-view-end=${iso(view.end)}
        @pointerdown=${(e: PointerEvent) => this._down(e)}
        @pointermove=${(e: PointerEvent) => this._move(e)}
        @pointerup=${(e: PointerEvent) => this._up(e)}
        @pointercancel=${() => (this._press = null)}
        @pointerleave=${() => this._leave()}
        @wheel=${(e: WheelEvent) => this._wheel(e)}
      >
        ${gaps.map((g) => html`<div class="gap" style="left:${left(g.start)};width:${width(g.start, g.end)}"></div>`)}
        ${spans.map(
          (s) =>
            html`<div
              class="span"
              data-start=${iso(s.start)}
              data-end=${iso(s.end)}
              style="left:${left(s.start)};width:${width(s.start, s.end)}"
            ></div>`,
        )}
        ${this._selection
          ? html`<div
              class="selection"
              data-start=${iso(this._selection.start)}
              data-end=${iso(this._selection.end)}
              style="left:${left(this._selection.start)};width:${width(this._selection.start, this._selection.end)}"
            ></div>`
          : nothing}
        ${this._playhead !== null && visible(this._playhead, this._playhead)
          ? html`<div class="playhead" style="left:${left(this._playhead)}"></div>`
          : nothing}
        ${this._cursor !== null
          ? html`<div class="cursor" data-time=${iso(this._cursor)} style="left:${left(this._cursor)}"></div>`
          : nothing}
      </div>
      <div class="ticks">
        ${ticks(start, view.end, this._clock, Math.max(2, Math.floor(this._width / 64)))
          .filter((tick) => fractionOf(tick.t, view) > 0.05 && fractionOf(tick.t, view) < 0.95)
          .map(
          (tick) =>
            html`<span class="tick ${tick.major ? "major" : ""}" style="left:${left(tick.t)}">${tick.label}</span>`,
        )}
      </div>
    </div>`;
  }

  private _playEvent(event: TimelineEvent): void {
    this._closePopup();
    void this.playFrom(event.start);
  }

  /** Open an event's pop-up; ``pinned`` (a click, a tap, a key) keeps it until it is closed. */
  private _openPopup(event: TimelineEvent, pinned: boolean): void {
    window.clearTimeout(this._popupClose);
    this._pinned = pinned || (this._pinned && this._popup?.id === event.id);
    this._popup = event;
    this._focused = event.id;
  }

  /** A mouse over an event opens its pop-up, which stays while the pointer moves onto it. */
  private _hover(event: TimelineEvent): void {
    if (this._pinned && this._popup?.id !== event.id) return;
    this._openPopup(event, false);
  }

  private _unhover(): void {
    if (this._pinned) return;
    window.clearTimeout(this._popupClose);
    this._popupClose = window.setTimeout(() => {
      if (!this._pinned) this._popup = null;
    }, POPUP_GRACE_MS);
  }

  private _closePopup(): void {
    window.clearTimeout(this._popupClose);
    this._popup = null;
    this._pinned = false;
  }

  /** Arrow keys move between events (their pop-up opens), Enter plays, Escape closes. */
  private _eventKey(key: KeyboardEvent, events: TimelineEvent[]): void {
    if (!events.length) return;
    const at = events.findIndex((e) => e.id === this._focused);
    const steps: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (key.key in steps) {
      const step = steps[key.key];
      const from = at < 0 ? events.length - 1 : at; // the bar takes focus on its newest event
      const next = Math.min(events.length - 1, Math.max(0, Number.isFinite(step) ? from + step : step));
      this._openPopup(events[next], true);
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLElement>(`.event[data-id="${events[next].id}"]`)?.focus(),
      );
    } else if ((key.key === "Enter" || key.key === " ") && at >= 0) {
      this._playEvent(events[at]);
    } else if (key.key === "Escape") {
      this._closePopup();
    } else {
      return;
    }
    key.preventDefault();
  }

  private _renderControls(): TemplateResult {
    const readout = this._cursor ?? this._playhead;
    const selection = this._selection;
    return html`<div class="bar">
        <button class="zoom-in" title="Zoom in" @click=${() => this._zoom(zoomStep(this._view.hours, -1))}>
          ${icon("mdi:magnify-plus-outline", "+")}
        </button>
        <button class="zoom-out" title="Zoom out" @click=${() => this._zoom(zoomStep(this._view.hours, 1))}>
          ${icon("mdi:magnify-minus-outline", "−")}
        </button>
        <select
          class="zoom"
          @change=${(e: Event) => this._zoom(Number((e.target as HTMLSelectElement).value))}
        >
          ${ZOOM_HOURS.map(
            (h) =>
              html`<option value=${h} ?selected=${h === this._view.hours}>
                ${h < 48 ? `${h} h` : `${h / 24} days`}
              </option>`,
          )}
        </select>
        <button class="pan-back" title="Earlier" @click=${() => this._pan(-1)}>${icon("mdi:chevron-left", "‹")}</button>
        <button class="pan-on" title="Later" @click=${() => this._pan(1)}>${icon("mdi:chevron-right", "›")}</button>
        <span class="grow readout">${readout === null ? "" : formatClock(readout, this._clock)}</span>
      </div>
      <div class="bar">
        <button class="prev-event" title="Previous event" @click=${() => this._jump(-1)}>
          ${icon("mdi:skip-previous", "◀")}
        </button>
        <button class="next-event" title="Next event" @click=${() => this._jump(1)}>
          ${icon("mdi:skip-next", "▶")}
        </button>
        ${RATES.map(
          (rate) =>
            html`<button
              class="rate"
              aria-pressed=${this._rate === rate ? "true" : "false"}
              @click=${() => this._setRate(rate)}
            >
              ${rate}×
            </button>`,
        )}
        <button class="live-button" aria-pressed=${this._playing ? "false" : "true"} @click=${() => this.goLive()}>
          Live
        </button>
        <span class="grow"></span>
        <button
          class="select-range"
          aria-pressed=${this._selecting ? "true" : "false"}
          @click=${() => {
            this._selecting = !this._selecting;
            if (!this._selecting) this._selection = null;
          }}
        >
          Select
        </button>
        <button class="download" ?disabled=${!selection || this._busy} @click=${() => void this._download()}>
          Download
        </button>
      </div>
      ${selection
        ? html`<div class="message selection-range">
            ${formatDateTime(selection.start, this._clock)} –
            ${formatClock(selection.end, this._clock)}
          </div>`
        : nothing}`;
  }

  protected override render(): TemplateResult {
    return html`${this._renderHead()} ${this._renderScreen()} ${this._renderTimeline()} ${this._renderControls()}
    <div class="message notice" role="status" ?hidden=${!this._notice}>${this._notice}</div>
    ${this._message ? html`<div class="message">${this._message}</div>` : nothing}
    ${this._error ? html`<div class="message error">${this._error}</div>` : nothing}`;
  }
}

