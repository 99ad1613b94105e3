"""The local resolver: slots, synonyms, built-ins, paraphrases, fallback, safety first.

Most tests use the generated model that Alexa gets; a few build a tiny model of their
own, so that the matching rules are tested apart from what the content says today.
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from intents import load_catalogue
from intents.loader import ABUSE_INTENT, CRISIS_INTENT, SAFETY_INTENTS
from intents.samples import normalise_sample
from skill.authoring.interaction_model import DEPLOY_DIR, MODEL_PATH, interaction_model
from skill.cli import main
from skill.cli import resolve as resolve_command
from skill.nlu import (
    FALLBACK_INTENT,
    LAUNCH_REQUEST,
    build_index,
    declared_slots,
    index_for,
    resolve,
    resolve_with,
    resolver_for,
)
from skill.nlu.index import cached_index
from skill.nlu.words import PHRASES_PATH, expand_contractions, fold_text, load_language, stem
from tests.bench_resolver import UTTERANCES, accuracy, labelled_files, load_cases

ROOT = Path(__file__).resolve().parent.parent


def deployed_model(locale: str = "en-US") -> dict[str, Any]:
    """The interaction model Alexa gets for ``locale``: the generated file in deploy/."""
    path = DEPLOY_DIR / MODEL_PATH.format(locale=locale)
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


def model_samples(locale: str = "en-US") -> dict[str, set[str]]:
    """Every sample of the generated model, normalised, by intent."""
    model = deployed_model(locale)
    return {
        intent["name"]: {normalise_sample(s) for s in intent.get("samples", [])}
        for intent in model["interactionModel"]["languageModel"]["intents"]
    }


# --- the normalisation pipeline -------------------------------------------------------


def test_fold_text_keeps_words_and_apostrophes_only() -> None:
    assert fold_text("Self-Reflection, please!  Fiancé’s") == "self reflection please fiance's"


@pytest.mark.parametrize(
    ("words", "expanded"),
    [
        ("i'm scared", "i am scared"),
        ("don't can't won't", "do not can not will not"),
        ("what's it's", "what is it is"),
        ("my partner's distance", "my partner distance"),
        ("i'd rather i'll they're we've", "i would rather i will they are we have"),
    ],
)
def test_contractions_are_spelt_out(words: str, expanded: str) -> None:
    assert expand_contractions(words.split()) == expanded.split()


@pytest.mark.parametrize(
    "family",
    [
        ("scared", "scares", "scare", "scary"),
        ("boundaries", "boundary"),
        ("feelings", "feeling", "feel"),
        ("pulling", "pulls", "pull", "pulled"),
        ("steps", "step"),
        ("reflecting", "reflection", "reflect"),
    ],
)
def test_stemming_folds_a_word_family(family: tuple[str, ...]) -> None:
    assert len({stem(word) for word in family}) == 1


def test_stemming_keeps_different_words_apart() -> None:
    assert stem("definitely") != stem("definition")
    assert stem("they") != stem("the")


# --- samples, paraphrases, slots ------------------------------------------------------


@pytest.mark.parametrize(
    ("utterance", "intent"),
    [
        ("my partner is pulling away", "PartnerPullingAwayIntent"),  # a sample
        ("MY PARTNER IS PULLING AWAY!", "PartnerPullingAwayIntent"),  # case, punctuation
        ("um so my partner is pulling away please", "PartnerPullingAwayIntent"),  # fillers
        ("pulling away is what my partner is doing", "PartnerPullingAwayIntent"),  # order
        ("my hubby keeps pulling away", "PartnerPullingAwayIntent"),  # an equivalent word
        ("I am scared to open up", "ScaredToOpenUpIntent"),  # contraction spelt out
        ("opening up scares me so much", "ScaredToOpenUpIntent"),
        ("what are the signs of intimacy fears", "SignsOfFearIntent"),  # plural
        ("Alexa, ask closer together what is emotional intimacy", "WhatIsIntimacyIntent"),
        ("tell closer together that I need some encouragement", "EncouragementIntent"),
        ("evning reflection", "EveningReflectionIntent"),  # a spelling slip
    ],
)
def test_paraphrases_find_their_intent(utterance: str, intent: str) -> None:
    assert resolve(utterance).intent == intent


def test_an_exact_sample_is_certain() -> None:
    resolution = resolve("what is emotional intimacy")
    assert (resolution.intent, resolution.confidence) == ("WhatIsIntimacyIntent", 1.0)
    assert resolution.sample == "what is emotional intimacy"


@pytest.mark.parametrize(
    ("utterance", "tip", "spoken"),
    [
        ("how do I set boundaries", "BOUNDARIES", "set boundaries"),  # the value itself
        ("tell me about baby steps", "SMALL_STEPS", "baby steps"),  # a synonym
        ("can you explain counselling", "THERAPY", "counselling"),  # British spelling
        ("how can I take things slowly", "SMALL_STEPS", "take things slowly"),  # words apart
        ("what's the tip on boundary setting", "BOUNDARIES", "boundary"),  # a telling word
        ("therapist", "THERAPY", "therapist"),  # one telling word alone
    ],
)
def test_slot_values_and_synonyms_resolve_to_their_id(
    utterance: str, tip: str, spoken: str
) -> None:
    resolution = resolve(utterance)
    assert resolution.intent == "TipIntent"
    assert resolution.slots["tip"].id == tip
    assert resolution.slots["tip"].spoken == spoken


def test_a_tip_request_without_a_known_tip_has_no_slot_value() -> None:
    resolution = resolve("give me the tip on")
    assert resolution.intent == "TipIntent"
    assert resolution.slots == {}
    assert declared_slots("TipIntent") == ("tip",)


@pytest.mark.parametrize(
    ("utterance", "intent"),
    [
        ("help", "AMAZON.HelpIntent"),
        ("what can I say", "AMAZON.HelpIntent"),
        ("stop", "AMAZON.StopIntent"),
        ("okay that's enough", "AMAZON.StopIntent"),
        ("never mind", "AMAZON.CancelIntent"),
        ("next", "AMAZON.NextIntent"),
        ("go on please", "AMAZON.NextIntent"),
        ("go back", "AMAZON.PreviousIntent"),
        ("say that again please", "AMAZON.RepeatIntent"),
        ("tell me more", "AMAZON.MoreIntent"),
        ("yes", "AMAZON.YesIntent"),
        ("yeah", "AMAZON.YesIntent"),
        ("okay", "AMAZON.YesIntent"),
        ("no thanks", "AMAZON.NoIntent"),
        ("start over", "AMAZON.StartOverIntent"),
        ("go home", "AMAZON.NavigateHomeIntent"),
    ],
)
def test_builtin_intents_have_their_usual_phrases(utterance: str, intent: str) -> None:
    assert resolve(utterance).intent == intent


def test_open_alone_is_a_launch() -> None:
    assert resolve("Alexa, open closer together").intent == LAUNCH_REQUEST
    assert resolve("open closer together").intent == LAUNCH_REQUEST


# --- fallback -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "utterance",
    [
        "what's the weather in paris",
        "play some music",
        "how do I bake sourdough",
        "xyzzy plugh",
        "",
        "   ",
        "um",
    ],
)
def test_out_of_scope_is_fallback(utterance: str) -> None:
    assert resolve(utterance).intent == FALLBACK_INTENT


# --- safety first ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utterance", "intent"),
    [
        ("I want to end it all", CRISIS_INTENT),
        ("I keep thinking about hurting myself", CRISIS_INTENT),
        ("my partner is pulling away and honestly I want to die", CRISIS_INTENT),  # a topic too
        ("sometimes I think about suicide", CRISIS_INTENT),
        ("I don't really want to live any more", CRISIS_INTENT),  # words between the cue's
        ("I can't go on", CRISIS_INTENT),  # not "go on" (next)
        ("I'm scared to open up because he hits me", ABUSE_INTENT),
        ("my girlfriend threatens me", ABUSE_INTENT),
        ("i am in danger", ABUSE_INTENT),
        ("he said he'd kill me", ABUSE_INTENT),  # "kill", but not "kill myself"
        ("my mom's boyfriend hits my mum", ABUSE_INTENT),  # mum and mom are one word
    ],
)
def test_safety_wins_whenever_it_is_plausible(utterance: str, intent: str) -> None:
    assert resolve(utterance).intent == intent


def builtin_cues() -> list[tuple[str, str]]:
    """Every (cue, safety intent) pair of builtin_phrases.yaml, as written there."""
    data = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))["en"]["safety_cues"]
    return [(cue, intent) for intent, cues in data.items() for cue in cues]


def test_the_cues_are_filed_under_both_safety_intents() -> None:
    assert {intent for _, intent in builtin_cues()} == set(SAFETY_INTENTS)


@pytest.mark.parametrize(("cue", "intent"), builtin_cues())
def test_a_cue_chooses_its_own_safety_intent(cue: str, intent: str) -> None:
    """A crisis cue said alone gives CrisisIntent, an abuse cue AbuseIntent."""
    resolution = resolve(cue)
    assert resolution.intent == intent
    assert resolution.confidence >= 0.9


@pytest.mark.parametrize(
    ("utterance", "intent"),
    [
        ("honestly I feel hopeless tonight", CRISIS_INTENT),
        ("I cut myself again last night", CRISIS_INTENT),
        ("he gets violent after work", ABUSE_INTENT),
        ("she has been stalking me for weeks", ABUSE_INTENT),
    ],
)
def test_a_cue_among_other_words_still_chooses_its_intent(utterance: str, intent: str) -> None:
    assert resolve(utterance).intent == intent


def test_a_cue_overrides_the_classifier() -> None:
    """The classifier alone hears the partner topic here; the cue "want to die" wins."""
    utterance = "my partner is pulling away and honestly I want to die"
    index = index_for()
    classifier = index.classifier
    probabilities = classifier.probabilities(
        *classifier.features(" ".join(index.language.keys(utterance)))
    )
    assert probabilities is not None
    assert classifier.intents[int(probabilities.argmax())] != CRISIS_INTENT
    resolution = resolve(utterance)
    assert resolution.intent == CRISIS_INTENT
    assert resolution.confidence >= 0.9


@pytest.mark.parametrize("path", labelled_files(), ids=lambda path: path.name)
def test_every_safety_line_of_every_labelled_file_reaches_its_intent(path: Path) -> None:
    missed = [
        (case.utterance, resolve(case.utterance).intent)
        for case in load_cases(path)
        if case.intent in SAFETY_INTENTS and resolve(case.utterance).intent != case.intent
    ]
    assert not missed, f"someone in danger was mis-routed in {path.name}: {missed}"


FALSE_ALARMS = [
    # alarms, timers, the day ahead
    "wake me up at seven tomorrow",
    "set an alarm to wake me up at six thirty",
    "cancel my alarm for tomorrow morning",
    "stop the timer",
    "set a timer to end in ten minutes",
    "I don't want to go to work tomorrow",
    "I'm done with work",
    "what time should I leave to beat the traffic",
    "remind me to take my pills at nine",
    "what's the weather like tomorrow",
    "is it safe to go out in this weather",
    # music, films, games, hyperbole
    "kill the music",
    "what can I do to kill time",
    "this song is killing me",
    "my feet are killing me",
    "I could kill for a coffee",
    "I'm dying to see that film",
    "I'm dead tired",
    "play the song hurt by johnny cash",
    "play die hard",
    "did the lakers beat the celtics last night",
    "what time is kick off",
    "I want to scream this song is so good",
    # phones, home, errands
    "tell Sam to hit me up later",
    "hit the lights",
    "my phone died",
    "my phone battery is dead",
    "read my messages",
    "track my package",
    "follow up on my order",
    "lock the front door",
    "control the living room lights",
    "call an emergency plumber",
    "what's the emergency number in spain",
    # cooking, health, questions
    "how do I cut a mango",
    "cut the volume in half",
    "how do I get rid of a bruise",
    "my back hurts",
    "I'm scared of the dark",
    "what's the meaning of life",
    "how much is life insurance",
    "how long do cats live",
    "I need some hope right now",
    "I can't wait to see my friends tonight",
]


@pytest.mark.parametrize("utterance", FALSE_ALARMS)
def test_everyday_requests_near_the_safety_words_are_not_alarms(utterance: str) -> None:
    assert resolve(utterance).intent not in SAFETY_INTENTS


def test_everyday_phrases_holding_a_cue_word_are_not_alarms() -> None:
    assert resolve("my boyfriend pushes me away when we get close").intent == (
        "PartnerPullingAwayIntent"
    )
    assert resolve("why do I keep pushing people away").intent not in SAFETY_INTENTS


def test_an_exact_sample_of_another_intent_is_not_overruled_by_a_cue() -> None:
    sample = "why does closeness feel unsafe to me"  # holds the cue "feel unsafe"
    if sample not in model_samples()["WhyFearIntimacyIntent"]:
        pytest.skip("the content no longer has this sample")
    assert resolve(sample).intent == "WhyFearIntimacyIntent"


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-AU", "en-CA", "en-IN"])
@pytest.mark.parametrize("intent", SAFETY_INTENTS)
def test_every_safety_sample_reaches_its_intent_in_every_locale(locale: str, intent: str) -> None:
    samples = model_samples(locale)[intent]
    assert len(samples) >= 40
    missed = {s: resolve(s, locale).intent for s in samples if resolve(s, locale).intent != intent}
    assert not missed, f"{locale} {intent} samples mis-routed: {missed}"


# --- the matching rules on a model of our own -----------------------------------------


TINY_MODEL = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "tea time",
            "intents": [
                {
                    "name": "OrderIntent",
                    "slots": [{"name": "drink", "type": "DRINK"}],
                    "samples": ["I would like {drink}", "a cup of {drink} please"],
                },
                {"name": "WeatherIntent", "samples": ["is it raining outside"]},
                {"name": "AMAZON.StopIntent", "samples": []},
                {"name": "AMAZON.FallbackIntent", "samples": []},
            ],
            "types": [
                {
                    "name": "DRINK",
                    "values": [
                        {"id": "TEA", "name": {"value": "tea", "synonyms": ["earl grey"]}},
                        {"id": "COFFEE", "name": {"value": "coffee", "synonyms": ["espresso"]}},
                    ],
                }
            ],
        }
    }
}


def test_a_model_given_as_data_is_matched_by_the_same_rules() -> None:
    index = build_index(TINY_MODEL)
    order = resolve_with(index, "could I have a cup of earl grey")
    assert order.intent == "OrderIntent"
    assert (order.slots["drink"].spoken, order.slots["drink"].id) == ("earl grey", "TEA")
    assert resolve_with(index, "raining outside is it").intent == "WeatherIntent"
    assert resolve_with(index, "stop").intent == "AMAZON.StopIntent"  # builtin_phrases.yaml
    assert resolve_with(index, "next").intent == FALLBACK_INTENT  # not in this model
    assert resolve_with(index, "ask tea time").intent == LAUNCH_REQUEST


def test_words_the_samples_do_not_know_fall_back_whatever_the_classifier_says() -> None:
    """A classifier always has a likeliest intent; too few known words is still fallback."""
    index = build_index(TINY_MODEL)
    assert index.classifier.known_share("next") < 0.5
    assert resolve_with(index, "I want to die").intent == FALLBACK_INTENT  # only "I" is known
    assert resolve_with(index, "is it raining out there").intent == "WeatherIntent"


def test_fallback_samples_teach_what_is_out_of_domain() -> None:
    """AMAZON.FallbackIntent's samples are a class of their own: near them is fallback."""
    without = build_index(TINY_MODEL)
    utterance = "play the song it is raining outside"
    assert resolve_with(without, utterance).intent == "WeatherIntent"
    model = json.loads(json.dumps(TINY_MODEL))
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        if intent["name"] == FALLBACK_INTENT:
            intent["samples"] = ["play a song", "play the song about the rain"]
    index = build_index(model)
    assert resolve_with(index, utterance).intent == FALLBACK_INTENT
    assert resolve_with(index, "is it raining outside today").intent == "WeatherIntent"


def with_intents(*intents: dict[str, object]) -> dict[str, object]:
    """TINY_MODEL with more intents, for rules that depend on what the model has."""
    model = json.loads(json.dumps(TINY_MODEL))
    model["interactionModel"]["languageModel"]["intents"] += list(intents)
    return model


CRISIS = {"name": CRISIS_INTENT, "samples": ["I am in a very bad way"]}
ABUSE = {"name": ABUSE_INTENT, "samples": ["someone at home scares me"]}


def test_safety_cues_count_only_when_the_model_has_safety_intent() -> None:
    # The same cues (builtin_phrases.yaml) on models with and without the intents.
    without = build_index(TINY_MODEL)
    assert resolve_with(without, "I want to die").intent == FALLBACK_INTENT
    assert resolve_with(without, "my partner hits me").intent == FALLBACK_INTENT
    both = build_index(with_intents(CRISIS, ABUSE))
    assert resolve_with(both, "I want to die").intent == CRISIS_INTENT  # no sample says it
    assert resolve_with(both, "my partner hits me").intent == ABUSE_INTENT
    assert resolve_with(both, "I would like earl grey").intent == "OrderIntent"
    crisis_only = build_index(with_intents(CRISIS))
    assert resolve_with(crisis_only, "I want to die").intent == CRISIS_INTENT
    assert resolve_with(crisis_only, "my partner hits me").intent == FALLBACK_INTENT


def test_safety_cues_must_be_filed_under_a_safety_intent() -> None:
    assert load_language({"safety_cues": {CRISIS_INTENT: ["want to die"]}}).safety_cues
    for bad in (["want to die"], {"SafetyIntent": ["want to die"]}):
        with pytest.raises(ValueError, match="safety_cues must map CrisisIntent and AbuseIntent"):
            load_language({"safety_cues": bad})


# --- locales --------------------------------------------------------------------------


def test_a_locale_without_a_model_uses_en_us() -> None:
    for locale in ("fr-FR", "../../etc/passwd"):
        heard = resolve("my partner is pulling away", locale)
        assert heard.intent == "PartnerPullingAwayIntent"
        assert index_for(locale) is index_for("en-US")


def test_each_locale_is_heard_with_the_model_alexa_gets() -> None:
    for locale in load_catalogue().locales:
        generated = interaction_model(load_catalogue().for_locale(locale))
        assert generated == deployed_model(locale), locale  # deploy/ is up to date
    assert index_for("en-GB") is index_for("en-GB")  # built once, then cached
    assert resolve("can you explain counselling", "en-GB").slots["tip"].id == "THERAPY"


def test_locales_with_identical_models_share_one_trained_index() -> None:
    model = interaction_model(load_catalogue().for_locale("en-GB"))
    same = json.loads(json.dumps(model))
    assert cached_index(model, "en-GB") is cached_index(same, "en-AU")
    same["interactionModel"]["languageModel"]["intents"][0]["samples"].append("tell me a riddle")
    assert cached_index(model, "en-GB") is not cached_index(same, "en-AU")


def test_a_cached_index_is_frozen_out_of_the_collectors_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once built, a locale's index lives as long as the process: full collections skip it.

    An index built from a model given as data is short-lived, so it is left collectable.
    """
    freezes: list[None] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(None))
    index_for.cache_clear()
    try:
        index_for("en-GB")
        index_for("en-GB")
        assert len(freezes) == 1
        build_index(TINY_MODEL)
        assert len(freezes) == 1
    finally:
        index_for.cache_clear()


# --- the labelled set: independent of the samples, and the quality floor --------------


def test_the_labelled_set_is_written_apart_from_the_samples() -> None:
    samples = set().union(*model_samples().values())
    cases = load_cases()
    copied = [c.utterance for c in cases if normalise_sample(c.utterance) in samples]
    assert not copied, f"these lines are samples, not paraphrases: {copied}"


def test_the_labelled_set_covers_every_intent_and_tip() -> None:
    cases = load_cases()
    assert len(cases) >= 150
    intents = {c.intent for c in cases}
    assert set(model_samples()) - intents == set()
    assert sum(c.intent == FALLBACK_INTENT for c in cases) >= 25
    for intent in SAFETY_INTENTS:
        assert sum(c.intent == intent for c in cases) >= 10, intent
    model = deployed_model("en-US")
    tips = {v["id"] for v in model["interactionModel"]["languageModel"]["types"][0]["values"]}
    assert tips <= {c.slots.get("tip") for c in cases}


FLOORS = {
    # Development sets: the samples were grown on their misses.
    "utterances.tsv": 0.97,
    "utterances_dev.tsv": 0.97,
    "utterances_dev_topics.tsv": 0.95,
    "utterances_dev_requests.tsv": 0.95,
    # Held out: never used to tune, only measured (see the test's docstring).
    "utterances_holdout.tsv": 0.92,
    "utterances_fresh.tsv": 0.92,
}
"""The least accuracy each labelled file must keep (tests/bench_resolver.py prints the figures)."""


def test_every_labelled_file_has_a_floor() -> None:
    assert sorted(path.name for path in labelled_files()) == sorted(FLOORS)


@pytest.mark.parametrize("path", labelled_files(), ids=lambda path: path.name)
def test_accuracy_on_each_labelled_file_keeps_its_floor(path: Path) -> None:
    """A floor per file, a little under its figure when it was last measured.

    The held-out files were never used to tune the resolver or the samples, only to
    measure them. utterances_holdout.tsv (80 lines): 82.5% when written, 83.8% before
    issue 14, 86.2% with the classifier, 95.0% after three rounds of samples grown on
    the development sets. utterances_fresh.tsv (190 lines, written for issue 14 before
    the resolver's answers on it were seen): 68.9% with the hand-written scorer, 93.7%
    after those rounds. Do not tune samples or rules to their individual lines, or
    they stop being a fair measure; when a floor fails, look for the family of
    phrasing in a development set instead.
    """
    overall, per_intent, misses = accuracy(load_cases(path))
    report = "\n".join(f"{c.line}: {c.utterance!r} -> {r.intent}" for c, r in misses)
    assert overall >= FLOORS[path.name], f"{path.name}: accuracy {overall:.1%}; misses:\n{report}"
    for intent in SAFETY_INTENTS:
        right, total = per_intent.get(intent, (0, 0))
        assert right == total, f"someone in danger was mis-routed ({intent}):\n{report}"


def test_the_first_held_out_set_shares_no_line_with_the_development_set() -> None:
    holdout = UTTERANCES.with_name("utterances_holdout.tsv")
    assert not {c.utterance for c in load_cases(holdout)} & {c.utterance for c in load_cases()}


def test_a_bad_label_file_line_is_reported_with_its_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("# comment\nonly one column\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv:2: expected 2 or 3"):
        load_cases(bad)


# --- closer resolve -------------------------------------------------------------------


def test_closer_resolve_prints_intent_slots_and_confidence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["resolve", "how", "do", "I", "set", "boundaries"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("TipIntent  tip='set boundaries' (BOUNDARIES)  confidence 1.00")


def test_closer_resolve_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--locale", "en-GB", "--json", "stop"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "utterance": "stop",
        "intent": "AMAZON.StopIntent",
        "slots": {},
        "confidence": 1.0,
        "sample": "stop",
    }


def test_resolve_lines_writes_one_json_object_per_line() -> None:
    source = io.StringIO("next\n\nwhat's the weather\nhow do I set boundaries\n")
    target = io.StringIO()
    assert resolve_command.resolve_lines(source, target, "en-US") == 0
    lines = [json.loads(line) for line in target.getvalue().splitlines()]
    assert [line["intent"] for line in lines] == [
        "AMAZON.NextIntent",
        FALLBACK_INTENT,
        "TipIntent",
    ]
    assert lines[2]["slots"] == {"tip": {"spoken": "set boundaries", "id": "BOUNDARIES"}}


def test_closer_resolve_reads_standard_input_in_one_process() -> None:
    lines = "\n".join(["next", "yes"] * 500) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "resolve"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = result.stdout.splitlines()
    assert len(answers) == 1000
    assert json.loads(answers[1])["intent"] == "AMAZON.YesIntent"


# --- generalisation: answers with a courtesy, topic words, intent-level evidence ------


@pytest.mark.parametrize(
    ("utterance", "intent"),
    [
        ("yeah go ahead", "AMAZON.YesIntent"),  # an answer, then a courtesy
        ("sure please do", "AMAZON.YesIntent"),
        ("no stop", "AMAZON.StopIntent"),  # ending the session still ends it
        ("yes my partner is pulling away", "PartnerPullingAwayIntent"),  # a topic follows
    ],
)
def test_a_yes_or_no_then_a_builtin_phrase_is_the_answer(utterance: str, intent: str) -> None:
    assert resolve(utterance).intent == intent


def test_a_sample_added_to_a_copy_of_the_content_is_heard_without_build_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The classifier is trained from the content as it is now, not from deploy/."""
    import shutil

    from intents import CONTENT_DIR
    from skill.nlu import index as nlu_index

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    samples = content / "samples.yaml"
    samples.write_text(
        samples.read_text(encoding="utf-8").replace(
            "      - what is emotional intimacy\n",
            "      - what is emotional intimacy\n      - explain purple giraffes singing\n",
        ),
        encoding="utf-8",
    )
    utterance = "explain purple giraffes singing"
    assert utterance not in json.dumps(deployed_model("en-US"))
    assert resolve(utterance).intent == FALLBACK_INTENT
    heard = resolver_for(load_catalogue(content))(utterance, "en-US")
    assert (heard.intent, heard.confidence, heard.sample) == (
        "WhatIsIntimacyIntent",
        1.0,
        utterance,
    )
    near = resolver_for(load_catalogue(content))("explain the purple giraffes that sing", "en-US")
    assert near.intent == "WhatIsIntimacyIntent"  # a paraphrase of it, too
    # The shipped content, edited in place, is heard the same way by resolve().
    monkeypatch.setattr(nlu_index, "_shipped_catalogue", lambda: load_catalogue(content))
    index_for.cache_clear()
    try:
        assert resolve(utterance, "en-GB").intent == "WhatIsIntimacyIntent"
    finally:
        index_for.cache_clear()


def test_resolve_and_rehearse_hear_other_content_with_its_own_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--content DIR` is heard with a model generated from that content, not the shipped one."""
    import shutil

    from intents import CONTENT_DIR

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    samples = content / "samples.yaml"
    text = samples.read_text(encoding="utf-8")
    samples.write_text(
        text.replace(
            "      - what is emotional intimacy\n",
            "      - what is emotional intimacy\n      - tell me about blue elephants dancing\n",
        ),
        encoding="utf-8",
    )
    utterance = "tell me about blue elephants dancing"
    assert main(["resolve", "--json", utterance]) == 0
    assert json.loads(capsys.readouterr().out)["intent"] == "AMAZON.FallbackIntent"
    assert main(["--content", str(content), "resolve", "--json", utterance]) == 0
    assert json.loads(capsys.readouterr().out)["intent"] == "WhatIsIntimacyIntent"

    script = tmp_path / "script.txt"
    script.write_text(f"{utterance}\n", encoding="utf-8")
    assert main(["--content", str(content), "rehearse", "--script", str(script)]) == 0
    assert "Emotional intimacy is the kind of closeness" in capsys.readouterr().out
