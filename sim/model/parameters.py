"""The model's named parameters: every number a mechanism uses, with its range and its basis.

Rates are per year; the model converts them to the step length. `basis` says where a value
comes from: a source (A, B, the data files) or "assumption" (the texts are silent; the value
is provisional until calibration, see docs/ODD.md and docs/calibration.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _p(default: float, low: float, high: float, basis: str, doc: str) -> Any:
    """Declare one parameter with its allowed range and its basis."""
    return field(default=default, metadata={"low": low, "high": high, "basis": basis, "doc": doc})


@dataclass(frozen=True)
class Parameters:
    """All named parameters of the model (defaults are hand-set, provisional until calibrated)."""

    # --- initial state on 1995-01-01 -------------------------------------------------------
    init_gongo: float = _p(
        137_000,
        0,
        1e6,
        "calibration_targets.csv: 1999 social associations, the earliest count",
        "registered GONGOs at the start",
    )
    init_foundation: float = _p(
        350, 0, 1e5, "assumption: back-cast from 975 in 2005", "registered foundations at the start"
    )
    init_unregistered: float = _p(
        1_000_000, 0, 1e7, "assumption: grows to the 1.5-3 million of 2010 (A)", "unregistered G-R groups at the start"
    )
    init_pneu_backlog: float = _p(
        90_000,
        0,
        1e6,
        "assumption: sized from the 1999-2002 jump in registered private non-enterprise units",
        "existing private units (schools, clinics) waiting for the 1998 regulations",
    )
    init_engaged_gongo: float = _p(
        250, 0, 1e4, "assumption", "GONGOs at the engaged stage in 1995 (besides the internationalised ones)"
    )
    new_expertise: float = _p(
        2 / 7, 0.01, 0.99, "assumption", "mean expertise of a newly registered organisation (Beta with concentration 7)"
    )
    init_internationalised_gongo: float = _p(
        180, 0, 1e4, "assumption", "GONGOs with a standing international role in 1995"
    )
    init_applicant_gongo: float = _p(
        2,
        0,
        100,
        "A: the All-China Women's Federation obtains status in 1995",
        "GONGOs with an ECOSOC application pending in 1995",
    )
    init_engaged_foundation: float = _p(10, 0, 1e4, "assumption", "foundations engaged abroad in 1995")
    init_experience_abroad: float = _p(
        0.3, 0, 1, "assumption", "UN experience and international soft power of the organisations abroad in 1995"
    )
    init_world_status: float = _p(
        1_000,
        0,
        1e4,
        "un_process_facts: 700 by 1992, 3400 by 2010",
        "organisations of the whole world in ECOSOC status",
    )
    init_trust: float = _p(0.3, 0, 1, "assumption", "the state's trust in G-R NGOs at the start")

    # --- founding and dissolution ------------------------------------------------------------
    founding_gongo: float = _p(
        9_000, 0, 1e6, "assumption, hand-set (docs/calibration.md)", "GONGOs founded per year in 1995"
    )
    founding_gongo_growth: float = _p(
        0.06, -0.2, 0.5, "assumption, hand-set (docs/calibration.md)", "yearly growth of GONGO founding"
    )
    founding_foundation: float = _p(
        25, 0, 1e5, "assumption, hand-set (docs/calibration.md)", "foundations founded per year in 1995"
    )
    founding_foundation_growth: float = _p(
        0.17, -0.2, 0.5, "assumption, hand-set (docs/calibration.md)", "yearly growth of foundation founding"
    )
    founding_grassroots: float = _p(
        160_000,
        0,
        1e7,
        "assumption, hand-set (docs/calibration.md)",
        "unregistered G-R groups founded per year in 1995",
    )
    founding_grassroots_growth: float = _p(
        0.02, -0.2, 0.5, "assumption, hand-set (docs/calibration.md)", "yearly growth of G-R founding"
    )
    dissolution_gongo: float = _p(
        0.045, 0, 1, "assumption, hand-set (docs/calibration.md)", "yearly dissolution hazard of a well-funded GONGO"
    )
    dissolution_grassroots: float = _p(
        0.03,
        0,
        1,
        "assumption, hand-set (docs/calibration.md)",
        "yearly dissolution hazard of a well-funded registered G-R NGO",
    )
    dissolution_foundation: float = _p(
        0.01,
        0,
        1,
        "assumption, hand-set (docs/calibration.md)",
        "yearly dissolution hazard of a well-funded foundation",
    )
    dissolution_unregistered: float = _p(
        0.05, 0, 1, "assumption, hand-set (docs/calibration.md)", "yearly dissolution hazard of an unregistered group"
    )
    dissolution_underfunded: float = _p(
        1.0,
        0,
        10,
        "B: soft power depends on hard power; assumption for its size",
        "extra dissolution hazard, as a multiple, at zero pay",
    )

    # --- registration ------------------------------------------------------------------------
    dissolution_size_half: float = _p(
        1e4,
        1,
        1e6,
        "assumption: large, established organisations rarely dissolve",
        "income (10k yuan) at which the dissolution hazard is half that of a very small organisation",
    )
    dissolution_abroad: float = _p(
        1.0,
        0,
        1,
        "named assumption (docs/ODD.md 7.10): a standing presence abroad marks an established organisation",
        "multiple of the dissolution hazard for an organisation internationalised, applying or in status",
    )
    pneu_registration_from: float = _p(
        2000.3,
        1995,
        2005,
        "regulations of Oct 1998 (calibration_targets.csv: registration began 1998); registration took effect in practice later, so the date is hand-set to the 1999-2001 counts (docs/calibration.md)",
        "decimal year from which G-R NGOs register in numbers",
    )
    registration_sponsor_rate: float = _p(
        0.009,
        0,
        1,
        "A: dual management; assumption for its size (calibrated)",
        "yearly registration hazard through a sponsor, times (1 - sensitivity)",
    )
    registration_direct_rate: float = _p(
        0.015,
        0,
        1,
        "A: 2011 and 2013 reforms; assumption for its size (calibrated)",
        "yearly registration hazard where direct registration is fully open",
    )
    registration_ramp: float = _p(
        0.25,
        0.01,
        1,
        "assumption: local pilots open a field before the national reform",
        "lever distance over which a field opens to direct registration",
    )
    pneu_ramp_years: float = _p(
        1.5,
        0,
        5,
        "assumption: the re-registration campaign put the 1998 regulations into effect over 1999-2001",
        "years over which the backlog's registration hazard rises to its full rate",
    )
    pneu_backlog_delay: float = _p(
        0.0,
        0,
        5,
        "assumption: the units that existed before the 1998 regulations were re-registered in a campaign that "
        "came after the first new registrations (calibration_targets.csv: 6k in 1999, 23k in 2000, 82k in 2001); "
        "the texts give no date, so it is calibrated",
        "years from pneu_registration_from to the start of the backlog's re-registration campaign",
    )
    reregistration_dissolution: float = _p(
        0.0,
        0,
        0.5,
        "calibration_targets.csv: social associations fell from 137k (1999) to 129k (2001); assumption for the cause",
        "extra yearly dissolution hazard of GONGOs during the re-registration campaign",
    )
    reregistration_years: float = _p(
        2.0, 0, 6, "assumption", "years the re-registration campaign lasts, from pneu_registration_from"
    )
    pneu_backlog_rate: float = _p(
        0.7, 0, 5, "assumption, hand-set (docs/calibration.md)", "yearly registration hazard of the 1998 backlog"
    )

    # --- funding, staff, expertise ---------------------------------------------------------------
    size_gongo: float = _p(
        40,
        0.1,
        1e4,
        "A: GONGOs are resource-rich; assumption for the size",
        "median yearly income of a GONGO (10k yuan)",
    )
    size_grassroots: float = _p(
        12,
        0.1,
        1e4,
        "A, B: G-R NGOs are short of resources; assumption for the size",
        "median yearly income of a G-R NGO (10k yuan)",
    )
    size_foundation: float = _p(150, 0.1, 1e4, "assumption", "median yearly income of a foundation (10k yuan)")
    size_sigma: float = _p(1.2, 0.1, 3, "assumption", "log-normal spread of incomes")
    gongo_foreign_factor: float = _p(
        0.2, 0, 1, "A: GONGOs are government-funded", "a GONGO's foreign share of income relative to its domain's"
    )
    gongo_alignment_bonus: float = _p(
        0.15, 0, 1, "A: GONGOs serve the state's agenda", "alignment a GONGO has over its domain's"
    )
    alignment_noise: float = _p(0.1, 0, 1, "assumption", "spread of alignment within a domain")
    funding_adjustment: float = _p(
        1.0, 0.01, 12, "assumption", "yearly rate at which resources move to the income the regime gives"
    )
    contracting_gain: float = _p(
        0.6,
        0,
        5,
        "A: 2013 contracting of services; assumption for its size",
        "income gain at full contracting for an aligned, influential organisation",
    )
    wage: float = _p(6.0, 0.1, 100, "assumption", "market wage per staff member per year (10k yuan)")
    min_staff: float = _p(3.0, 1, 50, "assumption", "staff an organisation needs to run at all")
    turnover_gongo: float = _p(
        0.08,
        0,
        1,
        "B: GONGOs think like government agencies; assumption",
        "yearly staff turnover of a GONGO at full pay",
    )
    turnover_grassroots: float = _p(
        0.15, 0, 1, "B: low salaries drive turnover; assumption", "yearly staff turnover of a G-R NGO at full pay"
    )
    turnover_foundation: float = _p(0.10, 0, 1, "assumption", "yearly staff turnover of a foundation at full pay")
    turnover_low_pay: float = _p(0.5, 0, 2, "B: low salaries drive staff turnover", "extra yearly turnover at zero pay")
    learning_rate: float = _p(
        0.3, 0, 5, "B: expertise; assumption for its size", "yearly growth of expertise towards 1"
    )
    expertise_loss: float = _p(1.0, 0, 5, "B: turnover erodes expertise", "expertise lost per unit of turnover")
    specialise_gain: float = _p(
        0.5, 0, 5, "A, B: specialise in a field of professional expertise", "extra learning of a specialist"
    )
    association_capacity: float = _p(
        0.15,
        0,
        1,
        "A: G-R NGOs gain capacity by associating (Charity Law Art. 19)",
        "expertise shared within an association, per year",
    )
    association_rate: float = _p(
        0.10,
        0,
        5,
        "A: Charity Law Art. 19; assumption for its size",
        "yearly hazard that a registered G-R NGO joins an association at association = 1",
    )

    # --- domestic soft power (B) ---------------------------------------------------------------
    sp_weight_expertise: float = _p(
        0.4, 0, 1, "B: expertise and research quality", "weight of expertise in domestic soft power"
    )
    sp_weight_partnership: float = _p(0.15, 0, 1, "B: partnerships with other organisations", "weight of partnerships")
    sp_weight_ties: float = _p(
        0.3, 0, 1, "B: long-term relationships with key officials", "weight of ties to officials"
    )
    sp_weight_media: float = _p(0.15, 0, 1, "B: social-media reach", "weight of media reach")
    ties_nonstate: float = _p(
        0.4,
        0,
        1,
        "A: GONGOs are trusted; assumption for the gap",
        "ties to officials of a non-GONGO relative to a GONGO",
    )
    media_half: float = _p(25, 0.1, 1e5, "assumption", "income (10k yuan) at which media reach is half its most")

    # --- going abroad ------------------------------------------------------------------------------
    engage_gongo: float = _p(
        0.0007,
        0,
        1,
        "assumption, hand-set (docs/calibration.md)",
        "yearly hazard that a fully ready GONGO makes a first exchange abroad",
    )
    engage_grassroots: float = _p(0.0002, 0, 1, "assumption, hand-set (docs/calibration.md)", "same for a G-R NGO")
    engage_foundation: float = _p(0.002, 0, 1, "assumption, hand-set (docs/calibration.md)", "same for a foundation")
    readiness_intercept: float = _p(
        -3.0, -20, 20, "A, B: few NGOs feel ready", "log-odds of readiness of an average organisation"
    )
    readiness_resources: float = _p(1.0, 0, 10, "A, B: resources", "log-odds per unit of log income")
    readiness_expertise: float = _p(3.0, 0, 20, "A, B: talent and experience", "log-odds per unit of expertise")
    readiness_soft_power: float = _p(2.0, 0, 20, "B: domestic soft power", "log-odds per unit of domestic soft power")
    readiness_association: float = _p(
        1.0, 0, 10, "A: associating builds capacity", "log-odds for a member of an association"
    )
    pd_engage_effect: float = _p(
        2.0,
        0,
        20,
        "A: support lowers the cost of international activity",
        "extra engagement, as a multiple, at full support for those it reaches",
    )
    pd_apply_effect: float = _p(
        2.0,
        0,
        50,
        "A: support lowers the cost of international activity (an ECOSOC application counted as one: assumption)",
        "extra ECOSOC applications, as a multiple, at full support for those it reaches",
    )
    outreach_engage_effect: float = _p(
        1.0, 0, 20, "A: UN outreach and training", "extra engagement, as a multiple, at full UN outreach"
    )
    conference_engage_boost: float = _p(
        4.0,
        0,
        50,
        "A: 1995 Beijing conference",
        "extra engagement at home, and extra UN-event attendance abroad, as a multiple, in a step with a UN conference",
    )
    foreign_link_loss: float = _p(
        0.7,
        0,
        1,
        "A: the Overseas NGO Law cuts foreign links",
        "share of engagement through foreign links lost at full restriction, times the foreign share",
    )
    internationalise_gongo: float = _p(
        0.12,
        0,
        5,
        "assumption, hand-set (docs/calibration.md)",
        "yearly hazard that an engaged GONGO of full capacity sets up a standing role abroad",
    )
    internationalise_grassroots: float = _p(
        0.05, 0, 5, "assumption, hand-set (docs/calibration.md)", "same for a G-R NGO"
    )
    internationalise_foundation: float = _p(
        0.1, 0, 5, "assumption, hand-set (docs/calibration.md)", "same for a foundation"
    )
    capacity_intercept: float = _p(
        -2.0, -20, 20, "A, B: readiness abroad", "log-odds of capacity abroad of an average engaged organisation"
    )
    capacity_resources: float = _p(1.0, 0, 10, "B: soft power depends on hard power", "log-odds per unit of log income")
    capacity_soft_power: float = _p(
        3.0, 0, 20, "B: international soft power", "log-odds per unit of international soft power"
    )
    capacity_experience: float = _p(1.5, 0, 20, "A: UN experience", "log-odds per unit of UN experience")
    disengage_rate: float = _p(
        0.15, 0, 5, "assumption", "yearly hazard that an engaged organisation of zero capacity returns to domestic work"
    )
    lapse_rate: float = _p(
        0.08,
        0,
        5,
        "assumption",
        "yearly hazard that an internationalised organisation of zero capacity loses its presence abroad",
    )
    pd_budget: float = _p(
        3_000,
        0,
        1e6,
        "A: public-diplomacy support; assumption for its size",
        "support budget per year at full support (10k yuan, at scale 1)",
    )
    channel_participation: float = _p(
        0.6,
        0,
        10,
        "A: DPI NGO section, Major Groups, UN conferences",
        "yearly rate of UN-channel events an engaged organisation of full capacity attends",
    )
    channel_world_trend: float = _p(
        0.0,
        0,
        3,
        "assumption (docs/calibration.md): the channels' doors widened with NGO participation worldwide",
        "how closely the channels' openings to NGOs follow the growth of the world's ECOSOC applications "
        "(0: fixed at the 1995 level; 1: growing at the same pace)",
    )
    status_access: float = _p(
        1.0,
        0,
        10,
        "A: consultative status opens ECOSOC and its subsidiary bodies to the holder",
        "extra UN-event participation, as a multiple, of a general or special status holder (roster: times roster_access)",
    )
    experience_gain: float = _p(0.08, 0, 1, "A: exposure and experience", "UN experience gained per event attended")
    experience_decay: float = _p(0.1, 0, 5, "assumption", "yearly decay of UN experience")
    sp_int_gain: float = _p(
        0.08,
        0,
        1,
        "B: public-diplomacy methods, accountability, delivery",
        "international soft power gained per unit of activity",
    )
    sp_int_decay: float = _p(
        0.15, 0, 5, "B: fledgling international soft power", "yearly decay of international soft power"
    )
    alignment_friction: float = _p(
        0.5,
        0,
        5,
        "B: alignment raises soft power abroad and lowers friction (CFPA, CCG)",
        "loss of international soft-power gain per unit of misalignment",
    )
    gongo_credibility: float = _p(
        0.3,
        0,
        1,
        "A, B: GONGOs think like government agencies, which limits their credibility",
        "share of soft-power gain a GONGO loses abroad",
    )
    platform_share: float = _p(
        0.5,
        0,
        1,
        "A: legal NGOs borrow the lawyers' association's platform",
        "share of its host's UN access a borrowing G-R NGO gets",
    )
    coalition_rate: float = _p(
        0.3,
        0,
        5,
        "A: grow and unite",
        "yearly hazard that an engaged G-R NGO that chose to associate forms or joins a coalition, at association = 1",
    )
    coalition_pooling: float = _p(
        0.3,
        0,
        1,
        "A: G-R NGOs gain capacity by associating",
        "log-odds of capacity a member gains per unit of its coalition's strength (mean expertise of members, times size)",
    )
    coalition_max_members: float = _p(
        8, 2, 100, "assumption: a coalition stays small enough to act together", "most members of a coalition"
    )
    coalition_full_size: float = _p(
        4, 2, 100, "assumption", "members at which a coalition lends its full strength (less below)"
    )

    # --- ECOSOC accreditation (A; un_process_facts.csv) -------------------------------------------
    apply_gongo: float = _p(
        0.03,
        0,
        5,
        "assumption, hand-set (docs/calibration.md)",
        "yearly hazard that an internationalised GONGO with full UN experience applies",
    )
    apply_grassroots: float = _p(0.15, 0, 5, "A: G-R NGOs want an independent voice", "same for a G-R NGO")
    apply_foundation: float = _p(0.04, 0, 5, "assumption, hand-set (docs/calibration.md)", "same for a foundation")
    national_access_1995: float = _p(
        1.0,
        0,
        1,
        "named assumption (docs/ODD.md 7.19): ECOSOC resolution 1996/31 opened status to national NGOs",
        "multiple of the application hazard before resolution 1996/31 (1: no change)",
    )
    national_access_ramp: float = _p(
        0.0,
        0,
        20,
        "named assumption (docs/ODD.md 7.19): national NGOs learn the new route over some years",
        "years after resolution 1996/31 over which the multiple rises linearly to 1",
    )
    screening_return: float = _p(
        0.2,
        0,
        1,
        "A: NGO Branch screening; assumption for its size",
        "share of incomplete applications returned at zero capacity",
    )
    session_recommended: float = _p(
        0.35,
        0.05,
        0.95,
        "un_process_facts: 0.22-0.45 of the docket recommended per session",
        "base share recommended at a session",
    )
    session_closed: float = _p(
        0.07, 0, 0.5, "un_process_facts: 20-45 of 470-520 closed per session", "base share closed at a session"
    )
    quality_effect: float = _p(
        2.0,
        0,
        20,
        "A: specialised, competent NGOs are more useful to the UN",
        "log-odds of recommendation per unit of quality",
    )
    consultation_pace: float = _p(
        6.0,
        0,
        1e6,
        "named assumption (docs/ODD.md 7.21): the state answers the Committee's consultation at a limited pace",
        "national applicants a year on which the member state answers the Committee (the rest wait, deferred); 1e6: no limit",
    )
    patience_sessions: float = _p(
        4,
        1,
        20,
        "un_process_facts: repeatedly deferred groups",
        "deferrals (members' questions or the state's) an applicant bears before withdrawing",
    )
    reapply_years: float = _p(
        3, 0, 20, "assumption", "years before a withdrawn, closed or suspended organisation may apply again"
    )
    general_threshold: float = _p(
        0.85,
        0,
        1,
        "A: general status for large international NGOs covering most of ECOSOC's agenda",
        "scope above which status is general",
    )
    roster_threshold: float = _p(0.25, 0, 1, "A: roster for the rest", "scope below which status is roster")
    report_failure: float = _p(
        0.5,
        0,
        1,
        "A: non-reporters are suspended (110 in 2014)",
        "chance of missing the quadrennial report at zero capacity",
    )
    world_applications: float = _p(
        200, 0, 1e5, "un_process_facts: about 820 a year in 2017-18", "applications per year from the world in 1995"
    )
    world_applications_growth: float = _p(
        0.05, -0.2, 0.5, "un_process_facts", "yearly growth of the world's applications"
    )
    world_suspension: float = _p(
        0.03, 0, 1, "un_process_facts: 110-198 suspended a year", "yearly suspension rate of the world's status holders"
    )

    # --- the state's objections and learning (A) ---------------------------------------------------
    risk_gongo: float = _p(0.02, 0, 1, "A: GONGOs rarely draw objections", "base risk the state sees in a GONGO")
    risk_grassroots: float = _p(
        0.25, 0, 1, "A: the state fears trouble-makers", "base risk the state sees in a G-R NGO"
    )
    risk_foundation: float = _p(0.08, 0, 1, "assumption", "base risk the state sees in a foundation")
    risk_sensitivity: float = _p(0.5, 0, 2, "A, B: sensitive reform areas", "risk per unit of domain sensitivity")
    risk_critic: float = _p(0.3, 0, 2, "A: ways it sees as radical", "risk of a critic over a co-creator")
    risk_trust: float = _p(
        0.4, 0, 2, "A: trust feeds back into objections", "risk lowered per unit of the state's trust (G-R NGOs)"
    )
    risk_specialist: float = _p(0.1, 0, 1, "A: specialising draws less suspicion", "risk lowered for a specialist")
    trust_learning: float = _p(
        0.2,
        0,
        10,
        "A: constructive engagement makes dialogue less confrontational",
        "yearly rate at which trust moves towards what the state observes",
    )
    trouble_weight: float = _p(
        3.0,
        0,
        20,
        "A: the state's worry about trouble-makers",
        "weight of an act read as trouble against a co-creative one",
    )
    trouble_critic: float = _p(
        0.8, 0, 1, "A", "chance that an act abroad of a critic in the most sensitive domain is read as trouble"
    )
    trouble_cocreator: float = _p(0.15, 0, 1, "A", "same for a co-creator")

    # --- strategy (A, B) -----------------------------------------------------------------------
    critic_base: float = _p(
        0.1,
        0,
        1,
        "A: co-creator or critic",
        "chance a G-R NGO or foundation in the least sensitive domain is a critic (GONGOs never are)",
    )
    critic_sensitivity: float = _p(
        0.6, 0, 1, "A, B: sensitive topics", "extra chance of being a critic per unit of sensitivity"
    )
    specialist_share: float = _p(0.3, 0, 1, "A: few specialise", "share of organisations that specialise")
    associate_share: float = _p(0.3, 0, 1, "A: grow and unite", "share of engaged G-R NGOs that seek coalitions")
    borrow_share: float = _p(
        0.25, 0, 1, "A: borrowing a GONGO's platform", "share of engaged G-R NGOs that borrow a GONGO's platform"
    )
    strategy_learning: float = _p(
        0.3, 0, 1, "A: co-creation helps; assumption", "chance a critic turns co-creator after an objection"
    )

    # --- UPR (A; un_process_facts.csv) --------------------------------------------------------------
    upr_gongo: float = _p(
        0.10,
        0,
        1,
        "A: the state mobilised GONGOs in 2009",
        "chance an engaged GONGO with full UN experience submits when the state does not mobilise",
    )
    upr_grassroots: float = _p(0.25, 0, 1, "A", "same for a G-R NGO")
    upr_foundation: float = _p(0.05, 0, 1, "assumption", "same for a foundation")
    upr_mobilisation: float = _p(
        0.25,
        0,
        1,
        "A: the state attached great importance and mobilised GONGOs",
        "extra chance for a GONGO when the state mobilises",
    )
    upr_uptake: float = _p(
        0.1,
        0,
        1,
        "A: OHCHR takes up at least one idea from each report",
        "international soft power gained by a submission",
    )
    upr_cycle_years: float = _p(
        4.5,
        1,
        10,
        "A: reviews recur about every four and a half years",
        "spacing of projected reviews after the last real one",
    )
    training_experience: float = _p(
        0.15,
        0,
        1,
        "A: OHCHR training in 2007",
        "UN experience gained by engaged organisations from training, times (1 + outreach_participation x un_outreach)",
    )
    upr_submission_lead_months: float = _p(
        7,
        1,
        24,
        "assumption: OHCHR asks for stakeholder reports months before a review",
        "months before a review that reports are sent",
    )
    roster_access: float = _p(
        0.5,
        0,
        1,
        "A: roster organisations take part when invited",
        "UN access of a roster holder relative to general or special",
    )
    outreach_participation: float = _p(
        1.0,
        0,
        20,
        "A: UN outreach and training",
        "extra UN-event attendance and training gain, as a multiple, at full un_outreach",
    )
    un_platform_ease: float = _p(
        0.3,
        0,
        1,
        "A: the state manages risk more easily on the UN platform than elsewhere",
        "share less often an act on the UN platform is read as trouble than a presence abroad elsewhere",
    )

    # --- historical lever moves (how far each dated event moves its lever; policy_timeline.csv) ------
    easing_2010: float = _p(0.1, 0, 1, "policy_timeline 2010-09-29: control to regulation", "registration_easing step")
    easing_2011: float = _p(
        0.35,
        0,
        1,
        "policy_timeline 2011-07-04: direct registration for charity, social-service, social-welfare",
        "registration_easing step",
    )
    easing_2013: float = _p(
        0.3, 0, 1, "policy_timeline 2013-03-10: sponsor abolished but for four types", "registration_easing step"
    )
    pd_2008: float = _p(0.1, 0, 1, "policy_timeline 2008-08-08", "public_diplomacy_support step")
    pd_2009_strategic: float = _p(0.1, 0, 1, "policy_timeline 2009-07-20", "public_diplomacy_support step")
    pd_2009_office: float = _p(0.1, 0, 1, "policy_timeline 2009-10-01", "public_diplomacy_support step")
    pd_2012_upgrade: float = _p(0.1, 0, 1, "policy_timeline 2012-08-01", "public_diplomacy_support step")
    pd_2012_association: float = _p(0.1, 0, 1, "policy_timeline 2012-12-31", "public_diplomacy_support step")
    pd_2016_internationalisation: float = _p(0.1, 0, 1, "policy_timeline 2016-12-31", "public_diplomacy_support step")
    pd_2017_silk_road: float = _p(0.1, 0, 1, "policy_timeline 2017-05-01", "public_diplomacy_support step")
    outreach_2007: float = _p(0.5, 0, 1, "policy_timeline 2007-09-01: OHCHR training", "un_outreach step")
    contracting_2013: float = _p(0.5, 0, 1, "policy_timeline 2013-09-26", "government_contracting step")
    association_2016: float = _p(0.5, 0, 1, "policy_timeline 2016-03-16: Charity Law Art. 19", "association step")
    foreign_restriction_2017: float = _p(
        0.6, 0, 1, "policy_timeline 2017-01-01: Overseas NGO Law", "foreign_funding_restriction step"
    )

    @classmethod
    def names(cls) -> list[str]:
        """All parameter names, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def spec(cls, name: str) -> dict[str, Any]:
        """Range, basis and description of one parameter."""
        for f in dataclasses.fields(cls):
            if f.name == name:
                return {"default": f.default, **f.metadata}
        raise KeyError(name)

    def replace(self, **changes: float) -> Parameters:
        """A copy with some values changed (values are checked against their ranges)."""
        for name, value in changes.items():
            spec = self.spec(name)
            if not spec["low"] <= value <= spec["high"]:
                raise ValueError(f"parameter {name}={value} outside [{spec['low']}, {spec['high']}]")
        return dataclasses.replace(self, **changes)

    @classmethod
    def markdown(cls) -> str:
        """Every parameter as a Markdown table (docs/parameters.md is this, generated)."""
        lines = [
            "| parameter | default | range | meaning | basis |",
            "|---|---|---|---|---|",
        ]
        for f in dataclasses.fields(cls):
            m = f.metadata
            lines.append(
                f"| `{f.name}` | {f.default:.6g} | [{m['low']:g}, {m['high']:g}] | {m['doc']} | {m['basis']} |"
            )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, float]:
        """Every parameter and its value."""
        return dataclasses.asdict(self)


def parameters_page() -> str:
    """The text of docs/parameters.md (regenerate it with `make docs`)."""
    return (
        "# Parameters\n\nEvery named parameter of the model, generated from `sim/model/parameters.py` "
        "by `make docs`. Rates are per year. Defaults are the values before calibration; the history "
        "scenario reads calibrated values from `scenarios/calibrated.toml` (see docs/calibration.md).\n\n"
        + Parameters.markdown()
        + "\n"
    )
