// A camera's head: its name, its recorder's state, the Recording switch and the Trigger button.
//
// Events (bubbling, composed): heldar-notice {text} says what Trigger did; heldar-error {text}.
import { LitElement, html, nothing, type TemplateResult } from "lit";
import { CARD_TEXT, TRIGGER_RESULT, text } from "./strings";
import { controlStyles, panelStyles } from "./styles";
import { type Clock, formatClock } from "./time";
import type { CameraInfo, HomeAssistant, ServiceAnswer, TriggerAnswer } from "./types";
import { errorText, fire } from "./ui";

export class HeldarCameraHead extends LitElement {
  static override styles = [controlStyles, panelStyles];

  static override properties = {
    hass: { attribute: false },
    camera: { attribute: false },
    clock: { attribute: false },
  };

  hass?: HomeAssistant;
  camera?: CameraInfo;
  clock: Clock = { timeZone: "UTC", locale: "en" };

  private _toggle(domain: string, service: string, entity: string | null): void {
    if (!entity || !this.hass) return;
    this.hass.callService(domain, service, { entity_id: entity }).catch((err: unknown) => {
      fire(this, "heldar-error", { text: errorText(err) });
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
      if (result) fire(this, "heldar-notice", { text: this._triggerText(result) });
    } catch (err) {
      fire(this, "heldar-error", { text: errorText(err) });
    }
  }

  private _triggerText(result: TriggerAnswer): string {
    const localize = this.hass?.localize;
    let words = `${result.camera}: ${text(localize, TRIGGER_RESULT + result.result)}`;
    if ((result.result === "started" || result.result === "extended") && result.window_end) {
      const time = formatClock(Date.parse(result.window_end), this.clock);
      words += ` (${text(localize, `${CARD_TEXT}until`, { time })})`;
    }
    return words;
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

  protected override render(): TemplateResult {
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
}

declare global {
  interface HTMLElementTagNameMap {
    "heldar-camera-head": HeldarCameraHead;
  }
  interface HTMLElementEventMap {
    "heldar-notice": CustomEvent<{ text: string }>;
    "heldar-error": CustomEvent<{ text: string }>;
  }
}
