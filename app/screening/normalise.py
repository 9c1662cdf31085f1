"""Name normalisation shared by every matcher: case, accents, punctuation and spacing. Pure."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(name: str) -> str:
    """Fold case and accents, turn punctuation into spaces and collapse runs of spaces.

    "Société Générale, S.A." and "societe generale s a" normalise alike; CJK and Hebrew letters are kept.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", stripped).split())
