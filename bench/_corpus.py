"""Deterministic Markdown-ish chapter text shared by the benchmarks (not a benchmark itself).

Words come from a fixed list of English and Azerbaijani mine-action terms plus invented words
built from syllables that use the Azerbaijani letters ə ğ ı ş ç ö ü, drawn with Zipf-like
weights so that common words repeat the way they do in real prose.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence

_BASE_TEXT = (
    "the of and to a in shall be is for on that by with as are or at this from an each "
    "operator team leader area clearance survey technical non-technical marking fence "
    "hazardous explosive ordnance device mine fuze detector signal lane safety distance "
    "medic casualty evacuation report supervisor site task quality control sample "
    "procedure equipment vehicle radio check daily briefing cm m metres minutes hours "
    "mina ərazi sahə təhlükəsizlik işarələmə təmizlənməsi çıxarılması tibbi qrup rəhbəri "
    "yoxlama hesabat partlayıcı sursat ağac dağ yağış bağlı sığorta göstəriş üçün ilə "
    "və bu da bütün hər görə ölçü çəkmə şəxs iş günü müddət qaydalar öyrənmə ünvan"
)
_BASE_WORDS = _BASE_TEXT.split()

_SYLLABLE_TEXT = (
    "a e i o u ə ı ö ü ba be bə bi bo ca çe çı da də ge gə ğa ğı ha hə ja ka kə la lə lı ma "
    "mə na nə nı pa qa qə ra rə rı sa sə şa şə şı ta tə tı va və ya yə za zə lar lər dır dir "
    "çü çö şü şö gö gü kö kü"
)
_SYLLABLES = _SYLLABLE_TEXT.split()

WORD = re.compile(r"\w+")


class Vocabulary:
    """Words with Zipf-like weights; all randomness comes from the caller's `Random`."""

    def __init__(self, seed: int, invented: int = 3000) -> None:
        rng = random.Random(seed)
        words = list(_BASE_WORDS)
        seen = set(words)
        while len(words) < len(_BASE_WORDS) + invented:
            word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self._cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))

    def pick(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self._cumulative, k=count)


def sentence(vocab: Vocabulary, rng: random.Random, words: int) -> str:
    chosen = vocab.pick(rng, words)
    if rng.random() < 0.15:
        chosen[rng.randrange(words)] = f"{rng.randint(1, 300)} {rng.choice(['cm', 'm', 'kg'])}"
    text = " ".join(chosen)
    return text[:1].upper() + text[1:] + "."


def paragraph(vocab: Vocabulary, rng: random.Random, low: int = 40, high: int = 90) -> str:
    """One paragraph of `low`..`high` words, in sentences of 8..25 words."""
    target = rng.randint(low, high)
    sentences: list[str] = []
    written = 0
    while written < target:
        length = min(rng.randint(8, 25), max(target - written, 4))
        sentences.append(sentence(vocab, rng, length))
        written += length
    return " ".join(sentences)


def _block(vocab: Vocabulary, rng: random.Random, section: int) -> str:
    roll = rng.random()
    if roll < 0.08:
        title = " ".join(vocab.pick(rng, rng.randint(2, 6))).capitalize()
        return f"## {section}. {title} {{#s{section}}}"
    if roll < 0.25:
        items = [f"{n}. {paragraph(vocab, rng, 12, 35)}" for n in range(1, rng.randint(2, 6) + 1)]
        return "\n".join(items)
    return paragraph(vocab, rng)


def blocks(vocab: Vocabulary, rng: random.Random, size: int) -> list[str]:
    """Markdown blocks (headings, numbered lists, paragraphs) of about `size` UTF-8 bytes once
    joined by blank lines."""
    out: list[str] = [f"## 1. {' '.join(vocab.pick(rng, 4)).capitalize()} {{#s1}}"]
    total = len(out[0].encode()) + 2
    section = 1
    while total < size:
        block = _block(vocab, rng, section + 1)
        if block.startswith("## "):
            section += 1
        out.append(block)
        total += len(block.encode()) + 2
    return out


def front_matter(title: str) -> str:
    return f"---\ndocument: bench\nid: bench\nnumber: 1\ntitle: {title}\nlanguage: en\n---\n"


def join_blocks(parts: Sequence[str]) -> str:
    return "\n\n".join(parts) + "\n"


def small_edit(vocab: Vocabulary, rng: random.Random, text: str, start: int = 0) -> str:
    """Replace, insert or delete one to four words at a random place at or after `start`;
    never a no-op."""
    while True:
        match = WORD.search(text, rng.randrange(start, len(text))) or WORD.search(text, start)
        assert match is not None
        count = rng.randint(1, 4)
        end = match.end()
        following = WORD.finditer(text, end)
        for _ in range(count - 1):
            nxt = next(following, None)
            if nxt is None:
                break
            end = nxt.end()
        fresh = " ".join(vocab.pick(rng, count))
        kind = rng.choice(("replace", "insert", "delete"))
        if kind == "replace":
            edited = text[: match.start()] + fresh + text[end:]
        elif kind == "insert":
            edited = text[: match.start()] + fresh + " " + text[match.start() :]
        else:
            stop = end + 1 if text[end : end + 1] == " " else end
            edited = text[: match.start()] + text[stop:]
        if edited != text:
            return edited
