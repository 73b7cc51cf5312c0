"""Draw the app icons (run once; the PNGs are committed): python scripts/make_icons.py"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "webapp" / "static" / "icons"
GREEN = (11, 93, 59, 255)


def icon(size: int, maskable: bool) -> Image.Image:
    """A white heart-beat line on green: 'alive'. Maskable icons keep a safe zone."""
    img = Image.new("RGBA", (size, size), GREEN if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    pad = int(size * (0.2 if maskable else 0.04))
    if not maskable:
        draw.rounded_rectangle([pad, pad, size - pad, size - pad], radius=size // 5, fill=GREEN)
    inner = size - 2 * pad
    pts = [
        (0.12, 0.55),
        (0.35, 0.55),
        (0.43, 0.35),
        (0.52, 0.75),
        (0.60, 0.45),
        (0.66, 0.55),
        (0.88, 0.55),
    ]
    line = [(pad + x * inner, pad + y * inner) for x, y in pts]
    draw.line(line, fill="white", width=max(3, size // 18), joint="curve")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192, False).save(OUT / "icon-192.png")
    icon(512, False).save(OUT / "icon-512.png")
    icon(512, True).save(OUT / "maskable-512.png")
    icon(180, True).convert("RGB").save(OUT / "apple-touch-icon.png")


if __name__ == "__main__":
    main()
