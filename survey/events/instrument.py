"""The default instrument of DESIGN.md: stable item codes, identical wording before and after."""

from typing import Any, TypedDict


class ItemSpec(TypedDict):
    """One item of the default instrument as DESIGN.md words it."""

    code: str
    kind: str
    phase: str
    required: bool
    en: str
    es: str


DEFAULT_SET_NAME = "Community Pulse standard"

TRUST_ITEMS = ("TRUST", "RESPECT", "LISTEN", "FAIR", "CONTACT")
SAFETY_ITEMS = ("SAFE",)
COMMENT_ITEMS = ("CONCERN", "COMMENT")

DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    {
        "code": "SAFE",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": "I feel safe in my neighborhood.",
        "es": "Me siento seguro/a en mi vecindario.",
    },
    {
        "code": "TRUST",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": "I trust the police in my neighborhood.",
        "es": "Confío en la policía de mi vecindario.",
    },
    {
        "code": "RESPECT",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": "The police in my neighborhood treat residents with respect.",
        "es": "La policía de mi vecindario trata a los residentes con respeto.",
    },
    {
        "code": "LISTEN",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": (
            "The police in my neighborhood listen to and take into account the concerns "
            "of residents."
        ),
        "es": (
            "La policía de mi vecindario escucha y toma en cuenta las preocupaciones de "
            "los residentes."
        ),
    },
    {
        "code": "FAIR",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": "The police in my neighborhood make fair and impartial decisions.",
        "es": "La policía de mi vecindario toma decisiones justas e imparciales.",
    },
    {
        "code": "CONTACT",
        "kind": "agree5",
        "phase": "both",
        "required": True,
        "en": "I would feel comfortable contacting the police if I needed help.",
        "es": "Me sentiría cómodo/a contactando a la policía si necesitara ayuda.",
    },
    {
        "code": "CONCERN",
        "kind": "text",
        "phase": "before",
        "required": False,
        "en": (
            "What is the number one issue in your neighborhood you would like the police "
            "to work on?"
        ),
        "es": (
            "¿Cuál es el problema principal de su vecindario en el que le gustaría que "
            "trabajara la policía?"
        ),
    },
    {
        "code": "TALKED",
        "kind": "yesno",
        "phase": "after",
        "required": True,
        "en": "Did you talk with a police officer at this event?",
        "es": "¿Habló con un/a agente de policía en este evento?",
    },
    {
        "code": "EVENT",
        "kind": "agree5",
        "phase": "after",
        "required": True,
        "en": "This event was worth my time.",
        "es": "Este evento valió la pena.",
    },
    {
        "code": "COMMENT",
        "kind": "text",
        "phase": "after",
        "required": False,
        "en": "Is there anything else you would like the police department to know?",
        "es": "¿Hay algo más que le gustaría que supiera el departamento de policía?",
    },
)


def default_question_rows() -> list[dict[str, Any]]:
    """Return the default items as Question column values, positions in survey order."""
    return [
        {
            "position": position,
            "code": item["code"],
            "kind": item["kind"],
            "phase": item["phase"],
            "required": item["required"],
            "text_en": item["en"],
            "text_es": item["es"],
        }
        for position, item in enumerate(DEFAULT_ITEMS, start=1)
    ]
