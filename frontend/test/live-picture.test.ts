import { afterEach, describe, expect, it, vi } from "vitest";
import { type HeldarLivePicture, PICTURE_RETRY_MS } from "../src/live-picture";
import type { HomeAssistant, LovelaceCardElement } from "../src/types";
import { fakeHass, settle } from "./helpers";

const ENTITY = "camera.front_door";
const PICTURE = "/api/camera_proxy/camera.front_door?token=t";

/** Home Assistant's card helpers, making a stand-in picture-entity card. */
function offerCardHelpers(): Record<string, unknown>[] {
  const made: Record<string, unknown>[] = [];
  vi.stubGlobal("loadCardHelpers", () =>
    Promise.resolve({
      createCardElement(config: Record<string, unknown>) {
        made.push(config);
        const card = document.createElement("hui-picture-entity-card") as unknown as LovelaceCardElement;
        card.setConfig = () => undefined;
        return card;
      },
    }),
  );
  return made;
}

/** The camera's picture answers these statuses in turn; returns what was fetched. */
function pictureAnswers(...statuses: number[]): string[] {
  const fetched: string[] = [];
  vi.stubGlobal("fetch", (url: string) => {
    fetched.push(url);
    return Promise.resolve(new Response("", { status: statuses[Math.min(fetched.length, statuses.length) - 1] }));
  });
  return fetched;
}

function cameraHass(): HomeAssistant {
  const { hass } = fakeHass();
  hass.states[ENTITY] = { entity_id: ENTITY, state: "idle", attributes: { entity_picture: PICTURE } };
  return hass;
}

async function mountPicture(hass: HomeAssistant): Promise<[HeldarLivePicture, ShadowRoot]> {
  const picture = document.createElement("heldar-live-picture");
  picture.hass = hass;
  picture.entity = ENTITY;
  document.body.append(picture);
  await settle();
  await picture.updateComplete;
  return [picture, picture.shadowRoot!];
}

afterEach(() => {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the live picture", () => {
  it("shows Home Assistant's own live card for the camera, labelled Live once its picture loads", async () => {
    const made = offerCardHelpers();
    const fetched = pictureAnswers(200);
    const hass = cameraHass();
    const [picture, root] = await mountPicture(hass);
    expect(fetched).toEqual([PICTURE]);
    expect(made).toEqual([{ type: "picture-entity", entity: ENTITY, camera_view: "live", show_name: false, show_state: false }]);
    const card = root.querySelector<LovelaceCardElement>(".live-holder hui-picture-entity-card")!;
    expect(card.hass).toBe(hass);
    expect(root.querySelector(".badge")?.textContent).toBe("Live");
    const newer = { ...hass };
    picture.hass = newer;
    await picture.updateComplete;
    expect(card.hass).toBe(newer); // its stream card hears every state change
  });

  it("shows HA's translated placeholder when the picture does not load, and asks again later", async () => {
    offerCardHelpers();
    const fetched = pictureAnswers(500, 200);
    const hass = cameraHass();
    hass.localize = (key: string) => (key === "ui.card.camera.not_available" ? "Bild nicht verfügbar" : "");
    const [picture, root] = await mountPicture(hass);
    expect(root.querySelector(".placeholder")?.textContent).toBe("Bild nicht verfügbar");
    expect(root.querySelector(".badge")).toBeNull(); // not labelled Live
    picture.requestUpdate();
    await settle();
    expect(fetched).toHaveLength(1); // not asked again at once
    const now = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(now + PICTURE_RETRY_MS + 1);
    picture.requestUpdate();
    await settle();
    await picture.updateComplete;
    expect(fetched).toHaveLength(2);
    expect(root.querySelector(".placeholder")).toBeNull();
    expect(root.querySelector(".badge")?.textContent).toBe("Live");
  });

  it("a camera without a picture shows the placeholder without asking", async () => {
    const fetched = pictureAnswers(200);
    const hass = cameraHass();
    hass.states[ENTITY] = { entity_id: ENTITY, state: "unavailable", attributes: {} };
    const [, root] = await mountPicture(hass);
    expect(fetched).toEqual([]);
    expect(root.querySelector(".placeholder")?.textContent).toBe("Image not available");
  });

  it("lets go of the live card while a recording plays, and shows it again after", async () => {
    offerCardHelpers();
    pictureAnswers(200);
    const [picture, root] = await mountPicture(cameraHass());
    const card = root.querySelector("hui-picture-entity-card");
    expect(card).not.toBeNull();
    picture.active = false;
    await picture.updateComplete;
    expect(root.querySelector("hui-picture-entity-card")).toBeNull();
    expect(card?.isConnected).toBe(false); // its stream stops
    picture.active = true;
    await settle();
    expect(root.querySelector("hui-picture-entity-card")).toBe(card);
  });
});
