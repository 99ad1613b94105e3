"""The content: it loads, it covers the whole article by voice, and bad edits are reported plainly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intents import CONTENT_DIR, Content, ContentError, load_content
from intents.report import WORD_LIMIT, word_count
from skill.cli import main
from tests.conftest import Conversation

# Every section and tip of the article (intents/content/article.txt), as the
# phrases that must be heard when someone walks through the topics by voice.
ARTICLE = {
    "introduction": [
        "connect deeply",
        "vulnerability can feel daunting",
        "you're not alone",
        "creates distance",
    ],
    "why we fear intimacy": [
        "betrayal",
        "difficult breakup",
        "emotionally unavailable",
        "inconsistent or unsafe",
        "hot and cold caregivers",
        "push and pull",
        "self-protection",
        "rejection or heartbreak",
        "low self-esteem",
        "attachment issues",
        "threat to one's emotional safety",
    ],
    "how it shows up in you": [
        "emotionally charged topics",
        "independence first, to an extreme",
        "sabotaging a relationship",
        "partners who are unavailable",
    ],
    "how it shows up in a partner": [
        "emotionally distant",
        "feelings into words",
        "defensive",
        "disinterest",
        "inner conflict, rather than their feelings for you",
    ],
    "overcoming it": ["small, intentional steps", "build trust"],
    "tip: reflect on your experiences": [
        "reflect on your experiences",
        "crucial first step",
        "protective responses",
        "unlearn",
    ],
    "tip: take small steps": [
        "take small steps",
        "all or nothing leap",
        "someone you trust",
        "doesn't always lead to rejection",
    ],
    "tip: challenge your assumptions": [
        "challenge your assumptions",
        "assuming the worst",
        "isn't about perfection",
        "authentic",
    ],
    "tip: consider therapy": [
        "consider therapy",
        "safe space to explore your fears",
        "emotional resilience",
    ],
    "tip: lead with empathy": [
        "lead with empathy",
        "reflection of your worth",
        "curiosity and understanding, rather than frustration",
    ],
    "tip: create a safe space": [
        "create a safe space",
        "without judgment",
        "trust you with their vulnerability",
    ],
    "tip: model vulnerability": [
        "model vulnerability",
        "emotions and insecurities",
        "vulnerability is safe",
    ],
    "tip: set boundaries": ["set boundaries", "own emotional needs", "balance", "what you expect"],
    "closing": [
        "doesn't have to be permanent",
        "self-compassion",
        "small risks",
        "patience, empathy and communication",
        "two-way street",
        "isn't weakness",
        "foundation of love, trust, and connection",
    ],
}


def walk_everything(talk: Conversation, content: Content) -> str:
    """Walk every topic by voice, saying "next" to its end; return all that was said."""
    heard = []
    for intent, topic in content.topics.items():
        talk.intent(intent)
        heard.append(talk.said)
        for _ in range(len(topic.parts) - 1):
            talk.intent("AMAZON.NextIntent")
            heard.append(talk.said)
    return " ".join(heard)


@pytest.mark.parametrize("section", ARTICLE)
def test_every_section_and_tip_of_the_article_is_reachable_by_voice(
    talk: Conversation, content: Content, section: str
) -> None:
    heard = walk_everything(talk, content).lower()
    missing = [phrase for phrase in ARTICLE[section] if phrase.lower() not in heard]
    assert not missing, f"{section}: never said {missing}"


def test_every_part_is_one_idea_within_the_word_limit(content: Content) -> None:
    for topic in content.topics.values():
        for part in topic.parts:
            assert word_count(part.text) <= WORD_LIMIT
    for tip in content.tips.values():
        assert word_count(tip.say) <= WORD_LIMIT


def test_every_spoken_part_of_the_guidance_names_its_source_in_the_article() -> None:
    """Read the YAML itself: every `say` of the guidance carries a `source` that is quoted."""
    from intents.article import article_words, is_quoted
    from intents.located import load_located

    article = article_words(CONTENT_DIR / "article.txt")
    topics = load_located(CONTENT_DIR / "topics.yaml")
    reflections = load_located(CONTENT_DIR / "reflections.yaml")
    spoken = [
        part
        for topic in topics["topics"].values()
        for part in topic.get("intro", []) + topic.get("steps", [])
        if "say" in part
    ]
    spoken += [*topics["tips"].values(), reflections["closing"]]
    spoken += [q for r in reflections["reflections"].values() for q in r["questions"]]
    assert len(spoken) >= 8 + 18 + 8 * 3 + 1
    for entry in spoken:
        quotes = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
        assert all(is_quoted(q, article) for q in quotes), entry["say"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (  # a hedge dropped: "can deeply influence" said as "deeply influence"
            "unsafe can deeply\n          influence how we relate",
            "unsafe deeply\n          influence how we relate",
            "WhyFearIntimacyIntent intro 2 drops the article's 'can' (source: 'Early "
            "experiences where emotional connection felt inconsistent or unsafe can deeply "
            "influence how we relate as adults')",
        ),
        (  # a quote that is not the article's
            "            can deeply influence how we relate as adults",
            "            always shapes how we relate as adults",
            "WhyFearIntimacyIntent intro 2 source is not in the article: 'Early experiences "
            "where emotional connection felt inconsistent or unsafe always shapes how we relate "
            "as adults'",
        ),
        (  # no source at all
            "        source: Fear of intimacy may feel overwhelming, but it doesn't have to be permanent\n",
            "",
            "EncouragementIntent intro 1 needs `source:`, the article's words it says",
        ),
    ],
)
def test_a_part_untrue_to_its_source_is_reported(
    content_copy: Path, old: str, new: str, expected: str
) -> None:
    edit(content_copy / "topics.yaml", old, new)
    errors = errors_of(content_copy)
    assert any(e.endswith(expected) for e in errors), errors


def test_a_reflection_question_that_drops_a_hedge_is_reported(content_copy: Path) -> None:
    line = edit(
        content_copy / "reflections.yaml",
        "        say: Did you assume the worst about how someone might react to you?",
        "        say: Did you assume the worst about how someone would react to you?",
    )
    assert errors_of(content_copy) == [
        f"content/reflections.yaml:{line - 1}: reflection CHALLENGE_ASSUMPTIONS question 1 "
        "drops the article's 'might' (source: 'Notice when you're assuming the worst about "
        "how someone might react to your vulnerability')"
    ]


def test_samples_keep_cause_signs_hope_and_overcoming_apart(content: Content) -> None:
    """The boundaries written above the intents in samples.yaml, where a shape decides.

    "why do I keep <behaviour>" names a sign, not the cause; "how do I stop / get
    past / get over" asks for the steps, not for hope. Taught to the wrong intent, a
    shape pulls every new phrasing of it along.
    """
    samples = {name: intent.samples for name, intent in content.intents.items()}
    keeps_doing = re.compile(r"why do I (keep|always)\b")
    overcoming = re.compile(r"how (do|can) I (stop|get past|get over|overcome|beat)\b")
    assert not [s for s in samples["WhyFearIntimacyIntent"] if keeps_doing.match(s)]
    assert sum(bool(keeps_doing.match(s)) for s in samples["SignsOfFearIntent"]) >= 5
    assert not [
        s
        for s in samples["EncouragementIntent"]
        if re.search(r"\bhow (do|can) I\b|get (over|past)", s)
    ]
    shaped = {
        name
        for name, texts in samples.items()
        if name != "AMAZON.FallbackIntent"
        for s in texts
        if overcoming.match(s)
    }
    assert shaped == {"ScaredToOpenUpIntent"}
    assert len(samples["AMAZON.FallbackIntent"]) >= 50


def test_every_tip_has_one_evening_reflection(content: Content) -> None:
    assert sorted(r.tip for r in content.reflections.nights) == sorted(content.tips)
    assert all(3 <= len(r.questions) <= 4 for r in content.reflections.nights)


def test_custom_intents_have_enough_varied_samples(content: Content) -> None:
    custom = [i for i in content.intents.values() if not i.is_builtin]
    assert {i.name for i in custom} == {
        "WhatIsIntimacyIntent",
        "WhyFearIntimacyIntent",
        "SignsOfFearIntent",
        "PartnerPullingAwayIntent",
        "ScaredToOpenUpIntent",
        "TipIntent",
        "EncouragementIntent",
        "EveningReflectionIntent",
        "ResumeIntent",
        "ProgressIntent",
        "ForgetMeIntent",
        "SetReminderIntent",
        "CancelReminderIntent",
        "CrisisIntent",
        "AbuseIntent",
    }
    for intent in custom:
        assert len(intent.samples) >= 25, intent.name
    for intent in ("CrisisIntent", "AbuseIntent"):
        assert len(content.intents[intent].samples) >= 40, intent
    assert "my partner is pulling away" in content.intents["PartnerPullingAwayIntent"].samples
    assert "I'm scared to open up" in content.intents["ScaredToOpenUpIntent"].samples
    tip_values = {v.id for v in content.slot_types["TIP"]}
    assert tip_values == {
        "REFLECT",
        "SMALL_STEPS",
        "CHALLENGE_ASSUMPTIONS",
        "THERAPY",
        "EMPATHY",
        "SAFE_SPACE",
        "MODEL_VULNERABILITY",
        "BOUNDARIES",
    }


# --- broken content gives file:line errors -----------------------------------------------


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) and return the 1-based line it starts on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def errors_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return caught.value.errors


def test_suggestions_that_are_not_two_or_three_phrases_are_reported(content_copy: Path) -> None:
    line = edit(
        content_copy / "skill.yaml",
        "  after_safety:\n    - repeat\n    - stop\n",
        "  after_safety:\n    - repeat\n",
    )
    assert errors_of(content_copy) == [
        f"content/skill.yaml:{line + 1}: suggestions.after_safety must list two or "
        "three things to say, each a non-empty text"
    ]


def test_a_long_step_is_reported_with_file_line_and_limit(content_copy: Path) -> None:
    topics = content_copy / "topics.yaml"
    long_text = " ".join(["word"] * 61)
    line = edit(
        topics,
        "      - say: >-\n          Fear of intimacy can be one reason",
        f"      - say: {long_text}\n        framing: Two more.\n"
        "      - say: >-\n          Fear of intimacy can be one reason",
    )
    errors = errors_of(content_copy)
    assert (  # the framing counts too
        f"content/topics.yaml:{line}: PartnerPullingAwayIntent intro 1 is 63 words; the limit is 45"
        in errors
    )


def test_a_sample_in_two_intents_is_reported(content_copy: Path) -> None:
    samples = content_copy / "samples.yaml"
    line = edit(samples, "      - I'm scared to open up\n", "      - my partner is pulling away\n")
    errors = errors_of(content_copy)
    assert any(
        e.startswith(
            f"content/samples.yaml:{line}: ScaredToOpenUpIntent sample 'my partner is pulling away' "
            "is also a sample of PartnerPullingAwayIntent"
        )
        for e in errors
    ), errors


def test_a_duplicate_key_is_reported(content_copy: Path) -> None:
    skill = content_copy / "skill.yaml"
    line = edit(skill, "goodbye: Take good care", "goodbye: Bye\ngoodbye: Take good care") + 1
    assert errors_of(content_copy) == [
        f"content/skill.yaml:{line}: 'goodbye' appears twice (first on line {line - 1})"
    ]


def test_broken_yaml_is_reported_with_its_line(content_copy: Path) -> None:
    skill = content_copy / "skill.yaml"
    line = edit(skill, "goodbye: Take good care", "goodbye: [Take good care")
    (error,) = errors_of(content_copy)
    assert re.fullmatch(
        rf"content/skill.yaml:\d+: not valid YAML: .+ \(while parsing a flow sequence on line {line}\)",
        error,
    ), error


def test_many_problems_are_all_reported(content_copy: Path) -> None:
    samples = content_copy / "samples.yaml"
    topics = content_copy / "topics.yaml"
    skill = content_copy / "skill.yaml"
    sample_line = edit(
        samples,
        "      - my partner is pulling away\n",
        "      - my partner is pulling away, help\n",
    )
    offer_line = edit(topics, "      to: WhyFearIntimacyIntent", "      to: NoSuchIntent")
    placeholder_line = edit(
        skill, "goodbye: Take good care of yourself.", "goodbye: Take care, {name}."
    )
    errors = errors_of(content_copy)
    assert (
        f"content/samples.yaml:{sample_line}: PartnerPullingAwayIntent sample 'my partner is pulling away, help': has characters Alexa does not allow in samples: ,"
        in errors
    )
    assert (
        f"content/topics.yaml:{offer_line}: WhatIsIntimacyIntent offers NoSuchIntent, which is not a topic"
        in errors
    )
    assert (
        f"content/skill.yaml:{placeholder_line}: goodbye uses {{name}}; the placeholders here are none"
        in errors
    )


def test_an_undeclared_slot_is_reported(content_copy: Path) -> None:
    samples = content_copy / "samples.yaml"
    text = samples.read_text(encoding="utf-8")
    first_sample = re.search(r"  WhatIsIntimacyIntent:\n    samples:\n      - (.+)\n", text)
    assert first_sample
    line = edit(
        samples, f"      - {first_sample.group(1)}\n", "      - what is {feeling} intimacy\n"
    )
    errors = errors_of(content_copy)
    assert (
        f"content/samples.yaml:{line}: WhatIsIntimacyIntent sample 'what is {{feeling}} intimacy': uses {{feeling}}, which the intent does not declare under slots"
        in errors
    )


def test_a_tip_nobody_can_reach_is_reported(content_copy: Path) -> None:
    topics = content_copy / "topics.yaml"
    edit(topics, "      - tip: BOUNDARIES\n", "")
    errors = errors_of(content_copy)
    assert any(
        "tip BOUNDARIES is not a step of any topic, so no one can reach it" in e for e in errors
    )


def test_the_cli_refuses_bad_content_with_exit_1(content_copy: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    edit(content_copy / "skill.yaml", "invocation_name: closer together", "invocation_name: Closer")
    assert main(["--content", str(content_copy), "lint"]) == 1
    err = capsys.readouterr().err
    assert (
        "content/skill.yaml:11: invocation_name must be two or more words of lowercase letters and spaces"
        in err
    )


def test_the_app_refuses_to_start_on_bad_content(content_copy: Path) -> None:
    from skill.web.app import create_app

    edit(content_copy / "topics.yaml", "      to: WhyFearIntimacyIntent", "      to: NoSuchIntent")
    with pytest.raises(ContentError):
        create_app({"SKIP_VERIFICATION": True, "CONTENT_DIR": content_copy})


# --- the YAML loader ------------------------------------------------------------------


def test_only_true_and_false_are_booleans_as_in_yaml_1_2(tmp_path: Path) -> None:
    """`yes:` as a key and `- off` as a stop phrase are words, not True and False."""
    from intents.located import LocatedList, load_located

    path = tmp_path / "words.yaml"
    path.write_text(
        "yes: agreed\nno: declined\nphrases:\n  - off\n  - on\n  - 'n'\n  - y\n"
        "flags: [true, false, True, FALSE]\n",
        encoding="utf-8",
    )
    data = load_located(path)
    assert list(data) == ["yes", "no", "phrases", "flags"]
    assert data["yes"] == "agreed"
    assert data.key_lines == {"yes": 1, "no": 2, "phrases": 3, "flags": 8}
    assert data["phrases"] == ["off", "on", "n", "y"]
    assert all(type(item) is not bool for item in data["phrases"])
    assert data["flags"] == [True, False, True, False]
    assert all(type(item) is bool for item in data["flags"])
    assert isinstance(data["phrases"], LocatedList)
    assert data["phrases"].item_lines == [4, 5, 6, 7]


def test_the_located_loader_leaves_pyyaml_s_own_loader_alone() -> None:
    import yaml

    assert yaml.safe_load("a: yes\nb: off") == {"a": True, "b": False}


# --- builtin_phrases.yaml is content too ------------------------------------------------


def replace_section(path: Path, section: str, new: str) -> int:
    """Replace a whole top-level section of the en block; return the line it starts on."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^  {section}:.*?\n(?=\n|  \S)", text, re.MULTILINE | re.DOTALL)
    assert match, section
    path.write_text(text[: match.start()] + new + text[match.end() :], encoding="utf-8")
    return text[: match.start()].count("\n") + 1


def test_safety_cues_given_as_one_string_are_reported(content_copy: Path) -> None:
    """Read as a list, "hurt myself" would have become eleven one-letter cues."""
    line = replace_section(
        content_copy / "builtin_phrases.yaml", "safety_cues", '  safety_cues: "hurt myself"\n'
    )
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{line}: en safety_cues must map CrisisIntent and "
        "AbuseIntent to lists of phrases"
    ]


def test_a_safety_cue_under_an_intent_that_is_not_a_safety_intent_is_reported(
    content_copy: Path,
) -> None:
    phrases = content_copy / "builtin_phrases.yaml"
    line = edit(
        phrases,
        "    AbuseIntent:\n      # being hurt\n",
        "    SadnessIntent:\n      - feeling blue\n    AbuseIntent:\n      # being hurt\n",
    )
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{line}: en safety_cues: SadnessIntent is not a safety "
        "intent; only CrisisIntent and AbuseIntent may be named"
    ]


def test_a_misspelt_safety_intent_is_reported_and_so_is_the_one_missing(
    content_copy: Path,
) -> None:
    phrases = content_copy / "builtin_phrases.yaml"
    section_line = edit(
        phrases, "  safety_words:\n    CrisisIntent: [", "  safety_words:\n    Crisis: ["
    )
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{section_line + 1}: en safety_words: Crisis is not a safety "
        "intent; only CrisisIntent and AbuseIntent may be named",
        f"content/builtin_phrases.yaml:{section_line}: en safety_words needs CrisisIntent: its "
        "list of phrases",
    ]


def test_fillers_that_are_not_a_list_are_reported(content_copy: Path) -> None:
    line = replace_section(content_copy / "builtin_phrases.yaml", "fillers", "  fillers: um\n")
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{line}: en fillers must be a list of words and phrases "
        "([] for none)"
    ]


def test_a_phrase_that_is_not_text_is_reported_at_its_own_line(content_copy: Path) -> None:
    phrases = content_copy / "builtin_phrases.yaml"
    line = edit(phrases, "      - skip ahead\n", "      - 42\n")
    empty = edit(phrases, "    - hopeless romantic\n", "    -\n")
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{line}: en intents AMAZON.NextIntent has an entry that "
        "is not a word or phrase: 42",
        f"content/builtin_phrases.yaml:{empty}: en safety_cue_exceptions has an empty entry",
    ]


def test_phrases_for_an_intent_the_model_does_not_have_are_reported(content_copy: Path) -> None:
    phrases = content_copy / "builtin_phrases.yaml"
    line = edit(phrases, "    AMAZON.MoreIntent:\n", "    AMAZON.MoarIntent:\n")
    typo = edit(phrases, "  equivalents:\n", "  equivalent:\n")
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{typo}: en has no section equivalent; the sections are "
        "intents, fillers, equivalents, function_words, safety_cues, safety_words, "
        "safety_cue_exceptions",
        f"content/builtin_phrases.yaml:{line}: en intents: AMAZON.MoarIntent is not an intent in "
        "samples.yaml, so its phrases would never be heard",
    ]


def test_a_phrase_that_is_another_intents_sample_is_reported(content_copy: Path) -> None:
    """A phrase must lead to one intent only.

    Built-in intents have samples too (AMAZON.FallbackIntent's), so the two files could
    otherwise send the same words two ways.
    """
    line = edit(
        content_copy / "builtin_phrases.yaml",
        "      - skip ahead\n",
        "      - play the next song\n",
    )
    assert errors_of(content_copy) == [
        f"content/builtin_phrases.yaml:{line}: en intents: AMAZON.NextIntent phrase "
        "'play the next song' is a sample of AMAZON.FallbackIntent in samples.yaml; "
        "say it under one intent only",
    ]


def test_the_cli_refuses_broken_phrases(content_copy: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    line = replace_section(content_copy / "builtin_phrases.yaml", "fillers", "  fillers: um\n")
    assert main(["--content", str(content_copy), "lint"]) == 1
    assert f"content/builtin_phrases.yaml:{line}: en fillers must be" in capsys.readouterr().err


def test_the_phrases_load_alone_as_plain_data() -> None:
    """What the resolver gets: every section of every language, dicts, lists and str only."""
    from intents.loader import SAFETY_INTENTS, load_phrases

    phrases = load_phrases()
    assert list(phrases) == ["en"]
    english = phrases["en"]
    assert set(english) == {
        "intents",
        "fillers",
        "equivalents",
        "function_words",
        "safety_cues",
        "safety_words",
        "safety_cue_exceptions",
    }
    assert set(english["safety_cues"]) == set(english["safety_words"]) == set(SAFETY_INTENTS)
    assert "off" in english["intents"]["AMAZON.StopIntent"]
    assert "no" in english["function_words"]

    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return type(value) is dict and all(
                type(k) is str and plain(v) for k, v in value.items()
            )
        if isinstance(value, list):
            return type(value) is list and all(plain(item) for item in value)
        return type(value) is str

    assert plain(phrases)


def test_load_phrases_reports_every_problem_of_a_broken_file(tmp_path: Path) -> None:
    from intents.loader import load_phrases

    path = tmp_path / "content" / "builtin_phrases.yaml"
    path.parent.mkdir()
    path.write_text("fr:\n  fillers: [euh]\nEnglish: {}\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_phrases(path)
    assert caught.value.errors == [
        "content/builtin_phrases.yaml:1: fr safety_cues must map CrisisIntent and AbuseIntent "
        "to lists of phrases",
        "content/builtin_phrases.yaml:1: fr safety_words must map CrisisIntent and AbuseIntent "
        "to lists of phrases",
        "content/builtin_phrases.yaml:3: English is not a language like en (a locale's first part)",
        "content/builtin_phrases.yaml:1: en must be there: it answers every language without its own",
    ]


def test_an_example_phrase_that_is_not_a_sample_is_reported(content_copy: Path) -> None:
    line = edit(
        content_copy / "skill.yaml",
        "    - I'm scared to open up\n",
        "    - I'm scared of opening up to people\n",
    )
    assert errors_of(content_copy) == [
        f"content/skill.yaml:{line}: manifest.example_phrases: 'I'm scared of opening up to "
        "people' is not a sample of any intent"
    ]
