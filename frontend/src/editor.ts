// The card's visual editor: which cameras, how many hours, a title.
import { LitElement, css, html, type TemplateResult } from "lit";
import { ZOOM_HOURS } from "./model";
import type { CamerasAnswer, CardConfig, HomeAssistant } from "./types";

export class HeldarTimelineCardEditor extends LitElement {
  static override properties = {
    hass: { attribute: false },
    _config: { state: true },
    _cameras: { state: true },
  };

  static override styles = css`
    label {
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 4px 0;
    }
    fieldset {
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 6px;
      margin: 0 0 12px;
    }
    input[type="text"],
    select {
      font: inherit;
      flex: 1;
    }
  `;

  hass?: HomeAssistant;
  private _config: CardConfig = { type: "custom:heldar-timeline-card" };
  private _cameras: CamerasAnswer["cameras"] = [];
  private _asked = false;

  setConfig(config: CardConfig): void {
    this._config = config;
  }

  protected override willUpdate(): void {
    if (this.hass && !this._asked) {
      this._asked = true;
      void this.hass.callWS<CamerasAnswer>({ type: "heldar/cameras" }).then((answer) => {
        this._cameras = answer.cameras;
      });
    }
  }

  private _change(patch: Partial<CardConfig>): void {
    this._config = { ...this._config, ...patch };
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config: this._config }, bubbles: true, composed: true }),
    );
  }

  private _toggleCamera(id: string, on: boolean): void {
    const chosen = new Set(this._config.cameras ?? []);
    if (on) chosen.add(id);
    else chosen.delete(id);
    // Keep the cameras' own order, so the stack does not reshuffle as boxes are ticked.
    this._change({ cameras: this._cameras.map((c) => c.camera).filter((c) => chosen.has(c)) });
  }

  protected override render(): TemplateResult {
    const chosen = new Set(this._config.cameras ?? []);
    return html`<fieldset>
        <legend>Cameras (none ticked: all)</legend>
        ${this._cameras.map(
          (camera) =>
            html`<label
              ><input
                type="checkbox"
                .checked=${chosen.has(camera.camera)}
                @change=${(e: Event) => this._toggleCamera(camera.camera, (e.target as HTMLInputElement).checked)}
              />${camera.name}</label
            >`,
        )}
      </fieldset>
      <label
        >Hours shown
        <select
          .value=${String(this._config.hours ?? 24)}
          @change=${(e: Event) => this._change({ hours: Number((e.target as HTMLSelectElement).value) })}
        >
          ${ZOOM_HOURS.map((h) => html`<option value=${h} ?selected=${h === (this._config.hours ?? 24)}>${h}</option>`)}
        </select></label
      >
      <label
        >Title
        <input
          type="text"
          .value=${this._config.title ?? ""}
          @input=${(e: Event) => this._change({ title: (e.target as HTMLInputElement).value || undefined })}
      /></label>`;
  }
}
