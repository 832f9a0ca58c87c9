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
        137000,
        0,
        1e06,
        "calibration_targets.csv: 137,000 social associations in 1999, the earliest count, after the clean-up of 1999-2001 began; calibrated",
        "registered GONGOs at the start",
    )
    init_foundation: float = _p(
        420,
        0,
        100000,
        "assumption, fixed (docs/calibration.md): back-cast from the 975 foundations of 2005 (calibration_targets.csv)",
        "registered foundations at the start",
    )
    init_unregistered: float = _p(
        1500000,
        0,
        1e07,
        "assumption, fixed (docs/calibration.md): rises to about 2 million by 2010, within the 1.5-3 million of A §1 (Xia 2011) and later estimates",
        "unregistered G-R groups at the start",
    )
    init_pneu_backlog: float = _p(
        90000,
        0,
        1e06,
        "calibration_targets.csv: private non-enterprise units jumped from 23,000 (2000) to 111,000 (2002); calibrated",
        "existing private units (schools, clinics) waiting for the 1998 regulations",
    )
    init_engaged_gongo: float = _p(
        250, 0, 1e4, "assumption", "GONGOs at the engaged stage in 1995 (besides the internationalised ones)"
    )
    new_expertise: float = _p(
        2 / 7, 0.01, 0.99, "assumption", "mean expertise of a newly registered organisation (Beta with concentration 7)"
    )
    init_internationalised_gongo: float = _p(
        170,
        0,
        10000.0,
        "assumption, fixed (docs/calibration.md): about a third of the 481 internationalised GONGOs of 2013 (A §2.1)",
        "GONGOs with a standing international role in 1995",
    )
    init_applicant_gongo: float = _p(
        3,
        0,
        100,
        "A §4.1: the All-China Women's Federation got special status in 1995 and four mainland NGOs had status before 2000; the number pending in 1995 is an assumption",
        "GONGOs with an ECOSOC application pending in 1995",
    )
    init_engaged_foundation: float = _p(10, 0, 1e4, "assumption", "foundations engaged abroad in 1995")
    init_experience_abroad: float = _p(
        0.3, 0, 1, "assumption", "UN experience and international soft power of the organisations abroad in 1995"
    )
    init_world_status: float = _p(
        1000,
        0,
        10000.0,
        "un_process_facts.csv and calibration_targets.csv: more than 700 in status by 1992, 3,400 by 2010; the 1995 level is interpolated",
        "organisations of the whole world in ECOSOC status",
    )
    init_trust: float = _p(0.3, 0, 1, "assumption", "the state's trust in G-R NGOs at the start")

    trust_prior_weight: float = _p(
        20,
        0.1,
        1000,
        "assumption: how many weighted acts of G-R NGOs the state's starting view is worth",
        "weight of `init_trust` against the acts the state observes (docs/ODD.md 7.25)",
    )
    trust_memory: float = _p(
        5,
        0.25,
        50,
        "assumption: the state remembers what G-R NGOs did for some years",
        "years over which an observed act's weight falls to 1/e",
    )

    # --- founding and dissolution ------------------------------------------------------------
    founding_gongo: float = _p(
        9000,
        0,
        1e06,
        "calibration_targets.csv: the registered counts of social associations, 1999-2012; calibrated",
        "GONGOs founded per year in 1995",
    )
    founding_gongo_growth: float = _p(
        0.06,
        -0.2,
        0.5,
        "calibration_targets.csv: registered GONGOs grew about 7% a year from 2002 (133,000) to 2012 (271,000), faster before 2007 than after; calibrated",
        "yearly growth of GONGO founding",
    )
    founding_foundation: float = _p(
        25,
        0,
        100000,
        "calibration_targets.csv: foundations 2005-2012; calibrated",
        "foundations founded per year in 1995",
    )
    founding_foundation_growth: float = _p(
        0.17,
        -0.2,
        0.5,
        "calibration_targets.csv: foundations grew about 16% a year from 2005 (975) to 2012 (3,029); calibrated",
        "yearly growth of foundation founding",
    )
    founding_grassroots: float = _p(
        160000,
        0,
        1e07,
        "A §1: about three million unregistered G-R NGOs in 2010 (Xia 2011), and the registered counts, 1999-2012; calibrated",
        "unregistered G-R groups founded per year in 1995",
    )
    founding_grassroots_growth: float = _p(
        0.04,
        -0.2,
        0.5,
        "assumption, fixed (docs/calibration.md): the pool of unregistered groups grows with the registered count's growth less the pull of registration",
        "yearly growth of G-R founding",
    )
    trends_until: float = _p(
        2016.0,
        2000,
        2036,
        "assumption: the growth trends are fitted to data that end in 2015 (calibration_targets.csv), so the "
        "model holds founding, the world's ECOSOC applications and foreign UPR stakeholders at their level "
        "of this year rather than extrapolate them; later changes come from the policy levers",
        "decimal year after which no fitted growth trend continues",
    )
    dissolution_gongo: float = _p(
        0.08,
        0,
        1,
        "assumption, fixed (docs/calibration.md): only founding less dissolution shows in the counts, so founding is fitted and dissolution held at a round value",
        "yearly dissolution hazard of a well-funded GONGO",
    )
    dissolution_grassroots: float = _p(
        0.08,
        0,
        1,
        "assumption, fixed (docs/calibration.md): as dissolution_gongo",
        "yearly dissolution hazard of a well-funded registered G-R NGO",
    )
    dissolution_foundation: float = _p(
        0.03,
        0,
        1,
        "assumption, fixed (docs/calibration.md): foundations are endowed and dissolve less (B §2.2: CFPA's credibility from accountability)",
        "yearly dissolution hazard of a well-funded foundation",
    )
    dissolution_unregistered: float = _p(
        0.1,
        0,
        1,
        "assumption, fixed (docs/calibration.md): informal groups fold faster than registered ones",
        "yearly dissolution hazard of an unregistered group",
    )
    dissolution_underfunded: float = _p(
        1.0,
        0,
        10,
        "B §2.1 (ForNGO): soft power 'critically dependent on hard power', the organisation's finances; assumption for its size",
        "extra dissolution hazard, as a multiple, at zero pay",
    )

    # --- registration ------------------------------------------------------------------------
    dissolution_size_half: float = _p(
        120,
        1,
        1e06,
        "assumption, fixed (docs/calibration.md): an organisation with an income of 1.2 million yuan dissolves half as often as a very small one",
        "income (10k yuan) at which the dissolution hazard is half that of a very small organisation",
    )
    dissolution_abroad: float = _p(
        1.0,
        0,
        1,
        "named assumption (docs/ODD.md 7.10): a standing presence abroad marks an established organisation",
        "multiple of the dissolution hazard for an organisation internationalised, applying or in status",
    )
    enforcement_unregistered: float = _p(
        0.15,
        0,
        2,
        "policy_timeline.csv 2018-04-01 and 2021-03-20: Ministry of Civil Affairs campaigns against illegal "
        "(unregistered) social organisations; assumption for the size (the notices give no count)",
        "extra yearly loss hazard of an unregistered group at full `enforcement`",
    )
    enforcement_inactive: float = _p(
        2.0,
        0,
        20,
        "policy_timeline.csv 2021-03-20: clean-up of inactive registered organisations; assumption for the size",
        "extra dissolution hazard, as a multiple, of a registered organisation at zero pay, at full `enforcement`",
    )
    pneu_registration_from: float = _p(
        1999.5,
        1995,
        2005,
        "calibration_targets.csv: private non-enterprise units registered under the regulations of October 1998 numbered 6,000 at the end of 1999, so registration took effect during 1999; fixed at mid-1999",
        "decimal year from which G-R NGOs register in numbers",
    )
    registration_sponsor_rate: float = _p(
        0.009,
        0,
        1,
        "A §1: before 2011 an NGO needed a sponsoring unit (dual management); its size is calibrated",
        "yearly registration hazard through a sponsor, times (1 - sensitivity)",
    )
    registration_direct_rate: float = _p(
        0.015,
        0,
        1,
        "A §1: direct registration from 2011 (three types) and 2013 (all but four types); its size is calibrated",
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
        0.5,
        0,
        5,
        "assumption, fixed: the re-registration campaign reached its full pace within half a year",
        "years over which the backlog's registration hazard rises to its full rate",
    )
    pneu_backlog_delay: float = _p(
        1.0,
        0,
        5,
        "calibration_targets.csv: 6,000 registered in 1999, 23,000 in 2000, 82,000 in 2001, so the units that existed before 1998 re-registered after the first new registrations; calibrated",
        "years from pneu_registration_from to the start of the backlog's re-registration campaign",
    )
    reregistration_dissolution: float = _p(
        0.1,
        0,
        0.5,
        "calibration_targets.csv: social associations fell from 137,000 (1999) to 129,000 (2001) while they were re-registered under the 1998 regulations; fixed at a tenth a year (docs/calibration.md)",
        "extra yearly dissolution hazard of GONGOs during the re-registration campaign",
    )
    reregistration_years: float = _p(
        2.5,
        0,
        6,
        "calibration_targets.csv: social associations fell from 137,000 (1999) to 129,000 (2001) and rose again from 2002; fixed at two and a half years",
        "years the re-registration campaign lasts, from pneu_registration_from",
    )
    pneu_backlog_rate: float = _p(
        1.0,
        0,
        5,
        "calibration_targets.csv: private non-enterprise units rose by about 60,000 in 2001 and 30,000 in 2002, so the backlog re-registered within about a year; fixed at one a year",
        "yearly registration hazard of the 1998 backlog",
    )

    # --- funding, staff, expertise ---------------------------------------------------------------
    size_gongo: float = _p(
        40,
        0.1,
        10000.0,
        "A §2.1: GONGOs have 'easier access to resources'; assumption for the size",
        "median yearly income of a GONGO (10k yuan)",
    )
    size_grassroots: float = _p(
        12,
        0.1,
        10000.0,
        "A §4.1 and §4.3: G-R NGOs lack resources, talent and experience; assumption for the size",
        "median yearly income of a G-R NGO (10k yuan)",
    )
    size_foundation: float = _p(150, 0.1, 1e4, "assumption", "median yearly income of a foundation (10k yuan)")
    size_sigma: float = _p(1.2, 0.1, 3, "assumption", "log-normal spread of incomes")
    gongo_foreign_factor: float = _p(
        0.2,
        0,
        1,
        "A §1: GONGOs are government-established or government-funded; assumption for the factor",
        "a GONGO's foreign share of income relative to its domain's",
    )
    gongo_alignment_bonus: float = _p(
        0.15,
        0,
        1,
        "A §2.1: in people-to-people diplomacy GONGOs followed the government's agenda; assumption for the size",
        "alignment a GONGO has over its domain's",
    )
    alignment_noise: float = _p(0.1, 0, 1, "assumption", "spread of alignment within a domain")
    funding_adjustment: float = _p(
        1.0, 0.01, 12, "assumption", "yearly rate at which resources move to the income the regime gives"
    )
    contracting_gain: float = _p(
        0.6,
        0,
        5,
        "A §1: the Guiding Opinion of 2013 on contracting services from NGOs brought funding; assumption for its size",
        "income gain at full contracting for an aligned, influential organisation",
    )
    wage: float = _p(6.0, 0.1, 100, "assumption", "market wage per staff member per year (10k yuan)")
    min_staff: float = _p(3.0, 1, 50, "assumption", "staff an organisation needs to run at all")
    turnover_gongo: float = _p(
        0.08,
        0,
        1,
        "assumption: GONGOs pay as state bodies do, so their staff turn over less (B §2.1 ties turnover to low salaries)",
        "yearly staff turnover of a GONGO at full pay",
    )
    turnover_grassroots: float = _p(
        0.15,
        0,
        1,
        "B §2.1 (ForNGO): salaries restricted in the NGO sector 'drive a high turnover rate'; assumption for its size",
        "yearly staff turnover of a G-R NGO at full pay",
    )
    turnover_foundation: float = _p(0.10, 0, 1, "assumption", "yearly staff turnover of a foundation at full pay")
    turnover_low_pay: float = _p(
        0.5,
        0,
        2,
        "B §2.1 (ForNGO): low salaries drive a high turnover rate; assumption for its size",
        "extra yearly turnover at zero pay",
    )
    learning_rate: float = _p(
        0.3,
        0,
        5,
        "B §2.1: expertise built by hiring and by casework (ForNGO), research (Shan Shui); assumption for its size",
        "yearly growth of expertise towards 1",
    )
    expertise_loss: float = _p(
        1.0,
        0,
        5,
        "B §2.1 (ForNGO): human capital is its expertise, and turnover loses it; assumption for its size",
        "expertise lost per unit of turnover",
    )
    specialise_gain: float = _p(
        0.5,
        0,
        5,
        "A §4.3: focus on areas of 'professional and contextualised expertise'; B §2.1: expertise in a specialised field; assumption for its size",
        "extra learning of a specialist",
    )
    association_capacity: float = _p(
        0.15,
        0,
        1,
        "A §4.3: small G-R NGOs lack resources, information and capacity and should associate (Charity Law Art. 19); assumption for its size",
        "expertise shared within an association, per year",
    )
    association_rate: float = _p(
        0.1,
        0,
        5,
        "A §4.3: Charity Law Art. 19 lets charitable NGOs associate; assumption for its size",
        "yearly hazard that a registered G-R NGO joins an association at association = 1",
    )

    # --- domestic soft power (B) ---------------------------------------------------------------
    sp_weight_expertise: float = _p(
        0.4,
        0,
        1,
        "B §2.1: expertise and rigorous research build credibility (ForNGO, Shan Shui); assumption for the weight",
        "weight of expertise in domestic soft power",
    )
    sp_weight_partnership: float = _p(
        0.15,
        0,
        1,
        "B §2.1 (Shan Shui): partnerships with other NGOs and research institutions; assumption for the weight",
        "weight of partnerships",
    )
    sp_weight_ties: float = _p(
        0.3,
        0,
        1,
        "B §2.1 (ForNGO): a 'long-term professional relationship with key persons' in the Civil Affairs Bureau; assumption for the weight",
        "weight of ties to officials",
    )
    sp_weight_media: float = _p(
        0.15,
        0,
        1,
        "B §2.1: websites, WeChat and social media shape public opinion (ForNGO, Shan Shui); assumption for the weight",
        "weight of media reach",
    )
    ties_nonstate: float = _p(
        0.4,
        0,
        1,
        "A §4.2: GONGOs are trusted by the government; assumption for the gap",
        "ties to officials of a non-GONGO relative to a GONGO",
    )
    media_half: float = _p(25, 0.1, 1e5, "assumption", "income (10k yuan) at which media reach is half its most")

    # --- going abroad ------------------------------------------------------------------------------
    engage_gongo: float = _p(
        0.0007,
        0,
        1,
        "A §2.1: 481 internationalised GONGOs in 2013 and 516 in 2014 (MCA); calibrated",
        "yearly hazard that a fully ready GONGO makes a first exchange abroad",
    )
    engage_grassroots: float = _p(
        0.0002,
        0,
        1,
        "A §2.1: four internationalised G-R NGOs in 2013 and 2014 (MCA); calibrated",
        "same for a G-R NGO",
    )
    engage_foundation: float = _p(
        0.002,
        0,
        1,
        "assumption (B §2.2: CFPA opened offices abroad in 2015 and 2019; foundations are few and well funded)",
        "same for a foundation",
    )
    readiness_intercept: float = _p(
        -3.0,
        -20,
        20,
        "A §2.2: Huang et al. (2013): very few NGOs think they are ready to go abroad; assumption for the level",
        "log-odds of readiness of an average organisation",
    )
    readiness_resources: float = _p(
        1.0,
        0,
        10,
        "A §2.2: shortcomings in resources among the reasons NGOs do not feel ready; assumption for its size",
        "log-odds per unit of log income",
    )
    readiness_expertise: float = _p(
        3.0,
        0,
        20,
        "A §2.2: shortcomings in talent and experience; assumption for its size",
        "log-odds per unit of expertise",
    )
    readiness_soft_power: float = _p(
        2.0,
        0,
        20,
        "B §3: Chinese NGOs' soft power is greater at home, whence they start; assumption for its size",
        "log-odds per unit of domestic soft power",
    )
    readiness_association: float = _p(
        1.0,
        0,
        10,
        "A §4.3: associating is how small G-R NGOs gain the capacity to take part; assumption for its size",
        "log-odds for a member of an association",
    )
    outreach_engage_effect: float = _p(
        1.0,
        0,
        20,
        "A §3.3 and §4.1: the UN's outreach and OHCHR's training of Chinese NGOs; assumption for its size",
        "extra engagement, as a multiple, at full UN outreach",
    )
    conference_engage_boost: float = _p(
        4.0,
        0,
        50,
        "A §4.1: Chinese NGOs' interaction with the UN platform started with the Beijing conference of 1995; Chinese NGOs took part in the big UN conferences after 2000; assumption for its size",
        "extra engagement at home, and extra UN-event attendance abroad, as a multiple, in a step with a UN conference",
    )
    foreign_link_loss: float = _p(
        0.7,
        0,
        1,
        "A §2.2: the Overseas NGO Law was read as cutting the connection between foreign NGOs and domestic rights NGOs; assumption for its size",
        "share of engagement through foreign links lost at full restriction, times the foreign share",
    )
    internationalise_gongo: float = _p(
        0.12,
        0,
        5,
        "A §2.1: 481 internationalised GONGOs in 2013 and 516 in 2014 (MCA); calibrated",
        "yearly hazard that an engaged GONGO of full capacity sets up a standing role abroad",
    )
    internationalise_grassroots: float = _p(
        0.2,
        0,
        5,
        "assumption, fixed (docs/calibration.md): G-R NGOs set up a standing presence about as readily as GONGOs of the same capacity",
        "same for a G-R NGO",
    )
    internationalise_foundation: float = _p(
        0.1,
        0,
        5,
        "assumption",
        "same for a foundation",
    )
    capacity_intercept: float = _p(
        -2.0,
        -20,
        20,
        "A §4.1: G-R NGOs' participation 'faces many challenges in terms of available resources, talent and experience'; assumption for the level",
        "log-odds of capacity abroad of an average engaged organisation",
    )
    capacity_resources: float = _p(
        1.0,
        0,
        10,
        "B §2.1 (ForNGO): soft power depends on hard power; assumption for its size",
        "log-odds per unit of log income",
    )
    capacity_soft_power: float = _p(
        3.0,
        0,
        20,
        "B §2.2: credibility abroad from accountability and delivery (CFPA) and dialogue (CCG); assumption for its size",
        "log-odds per unit of international soft power",
    )
    capacity_experience: float = _p(
        1.5,
        0,
        20,
        "A §4.2: the UN platform is where G-R NGOs 'accumulate global participation experience'; assumption for its size",
        "log-odds per unit of UN experience",
    )
    disengage_rate: float = _p(
        0.15, 0, 5, "assumption", "yearly hazard that an engaged organisation of zero capacity returns to domestic work"
    )
    lapse_rate: float = _p(
        0.25,
        0,
        5,
        "assumption, fixed (docs/calibration.md)",
        "yearly hazard that an internationalised organisation of zero capacity loses its presence abroad",
    )
    pd_budget: float = _p(
        5_000,
        0,
        1e6,
        "A §2.2: in 2016 a policy to support NGOs' internationalisation was framed but not made public; "
        "assumption for its size (no figure is published)",
        "public-diplomacy budget for NGOs per year at full support (10k yuan, at scale 1)",
    )
    pd_exchange_share: float = _p(
        0.2,
        0,
        1,
        "A §2.2: the China NGO Network for International Exchanges and city networks support members' "
        "international exchange; assumption for the share",
        "share of the budget that pays first exchanges abroad (the rest are grants to organisations abroad)",
    )
    pd_exchange_cost: float = _p(
        10,
        0.1,
        1000,
        "assumption",
        "cost of one sponsored first exchange abroad (10k yuan)",
    )
    pd_signal_effect: float = _p(
        1.0,
        0,
        10,
        "A §2.1: in the public-diplomacy era 'G-R NGOs could get political space'; assumption for its size",
        "extra hazard of going abroad and of a standing presence for G-R NGOs, as a multiple, at full support "
        "that reaches them (inclusive or merit targeting)",
    )
    veto_chill: float = _p(
        0.5,
        0,
        1,
        "A §4.2: the state's worry about 'trouble-makers' sets how far it lets G-R NGOs go; assumption for its size",
        "share of G-R NGOs' hazards of going abroad and of a standing presence lost at full objections and no trust",
    )
    channel_slots: float = _p(
        400,
        1,
        1e9,
        "assumption: side events, conference passes and liaison-unit places for mainland NGOs are limited",
        "UN-channel attendances a year the channels have room for at most (at scale 1)",
    )
    channel_participation: float = _p(
        0.6,
        0,
        10,
        "A §3.3: DPI's NGO section, the UNOG NGO Liaison Unit, UN-NGLS, Major Groups, agency committees; assumption for the rate",
        "yearly rate of UN-channel events an engaged organisation of full capacity attends",
    )
    status_access: float = _p(
        1.0,
        0,
        10,
        "A §3.3: consultative status is the UN's most formal mechanism for NGOs; assumption for its size",
        "extra UN-event participation, as a multiple, of a general or special status holder (roster: times roster_access)",
    )
    experience_gain: float = _p(
        0.08,
        0,
        1,
        "A §4.2: participation on the UN platform accumulates experience; assumption for its size",
        "UN experience gained per event attended",
    )
    experience_decay: float = _p(0.1, 0, 5, "assumption", "yearly decay of UN experience")
    sp_int_gain: float = _p(
        0.08,
        0,
        1,
        "B §2 and §2.2: public-diplomacy methods (listening, advocacy, exchange...), accountability and delivery build soft power abroad; assumption for its size",
        "international soft power gained per unit of activity",
    )
    sp_int_decay: float = _p(
        0.15,
        0,
        5,
        "B §3: soft power abroad 'only in a fledgling state'; assumption for its size",
        "yearly decay of international soft power",
    )
    alignment_friction: float = _p(
        0.5,
        0,
        5,
        "B §2.2 and §3: CCG and CFPA have more soft power because their goals are aligned with the government's; assumption for its size",
        "loss of international soft-power gain per unit of misalignment",
    )
    gongo_credibility: float = _p(
        0.3,
        0,
        1,
        "A §2.1: GONGOs' 'inherent challenge is how to think and work as NGOs, and not like government agencies'; A §4.2: their effectiveness is limited; assumption for its size",
        "share of soft-power gain a GONGO loses abroad",
    )
    platform_share: float = _p(
        0.5,
        0,
        1,
        "A §4.3: NGOs outside the Charity Law can borrow a GONGO's platform, e.g. legal NGOs and the All China Lawyers' Association; assumption for its size",
        "share of its host's UN access a borrowing G-R NGO gets",
    )
    coalition_rate: float = _p(
        0.3,
        0,
        5,
        "A §4.3: G-R NGOs 'need to grow and unite' and engage the UN 'in an associated collaborative way'; assumption for its size",
        "yearly hazard that an engaged G-R NGO that chose to associate forms or joins a coalition, at association = 1",
    )
    coalition_pooling: float = _p(
        0.3,
        0,
        1,
        "A §4.3: associating gives small G-R NGOs resources, information and capacity; assumption for its size",
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
        "A §4.1: one mainland holder in 1995, four before 2000, 26 by July 2010 (Jin 2011); calibrated",
        "yearly hazard that an internationalised GONGO with full UN experience applies",
    )
    apply_grassroots: float = _p(
        0.15,
        0,
        20,
        "A §4.2: G-R NGOs want 'a meaningful and independent role in the global policymaking process'; calibrated",
        "same for a G-R NGO",
    )
    apply_foundation: float = _p(
        0.04,
        0,
        5,
        "assumption",
        "same for a foundation",
    )
    national_access_1995: float = _p(
        0.1,
        0,
        1,
        "A §3.1: resolution 1996/31 extended consultative status to national NGOs; before it a national NGO came in as an exception (the All-China Women's Federation at the Beijing conference of 1995); assumption for the level",
        "multiple of the application hazard before resolution 1996/31 (1: no change)",
    )
    national_access_ramp: float = _p(
        5.0,
        0,
        20,
        "A §4.1: mainland NGOs' accreditation 'started in the mid-1990s and developed rapidly after 2000'; assumption: national NGOs took up the new route over about five years",
        "years after resolution 1996/31 over which the multiple rises linearly to 1",
    )
    screening_return: float = _p(
        0.2,
        0,
        1,
        "A §3.1: the NGO Branch screens applications (the third of five steps); assumption for its size",
        "share of incomplete applications returned at zero capacity",
    )
    session_recommended: float = _p(
        0.35,
        0.05,
        0.95,
        "un_process_facts.csv: 0.22-0.45 of the docket recommended per session",
        "base share recommended at a session",
    )
    session_closed: float = _p(
        0.07,
        0,
        0.5,
        "un_process_facts.csv: 20-45 of 470-520 applications closed per session",
        "base share closed at a session",
    )
    quality_effect: float = _p(
        2.0,
        0,
        20,
        "A §4.3: specialised, professional NGOs give the UN an understanding it cannot get from big international NGOs; assumption for its size",
        "log-odds of recommendation per unit of quality",
    )
    questions_sensitivity: float = _p(
        1.5,
        0,
        10,
        "un_process_facts.csv: repeatedly deferred groups are mostly human-rights NGOs (46 of 48 in 2014); "
        "China asked the most questions in 2016-2019",
        "log-odds of recommendation lost per unit of domain sensitivity (members' questions)",
    )
    general_income: float = _p(
        500,
        10,
        100000,
        "A §3.3: general status is reserved for large organisations covering most of ECOSOC's agenda; A §4.1: 4 of the 40 mainland holders of 2016; calibrated",
        "income (10k yuan) from which a non-specialist applicant gets general status",
    )
    roster_quality: float = _p(
        -0.3,
        -0.5,
        0.5,
        "A §3.3: the roster is for organisations that fit neither general nor special status; A §4.1: 1 of the 40 mainland holders of 2016; calibrated",
        "application quality below which status is roster",
    )
    patience_sessions: float = _p(
        8,
        1,
        20,
        "un_process_facts.csv: repeatedly deferred groups stay on the docket for years (46 of 48 of them human-rights NGOs in 2014); assumption: an applicant bears eight deferrals (four years) before it withdraws",
        "deferrals (members' questions or the state's) an applicant bears before withdrawing",
    )
    reapply_years: float = _p(
        3, 0, 20, "assumption", "years before a withdrawn, closed or suspended organisation may apply again"
    )
    report_failure: float = _p(
        0.5,
        0,
        1,
        "A §3.3: holders report every four years and non-reporters are suspended (110 in 2014); assumption for its size",
        "chance of missing the quadrennial report at zero capacity",
    )
    world_applications: float = _p(
        820,
        100,
        5000,
        "un_process_facts.csv: about 820 applications a year (June 2017 - June 2018)",
        "applications per year from the world in 2017 (earlier years follow world_applications_growth back from it)",
    )
    world_applications_growth: float = _p(
        0.05,
        -0.2,
        0.5,
        "calibration_targets.csv and un_process_facts.csv: the world's holders grew from 700 (1992) to 4,045 (2014); calibrated",
        "yearly growth of the world's applications",
    )
    world_suspension: float = _p(
        0.03,
        0,
        1,
        "un_process_facts.csv: 110 of about 4,150 holders suspended in 2014, 154 in 2013, 198 in 2019: about 3% a year",
        "yearly suspension rate of the world's status holders",
    )

    # --- the state's objections and learning (A) ---------------------------------------------------
    risk_sensitivity: float = _p(
        0.5,
        0,
        2,
        "A §4.2, note 47: 'trouble-makers' work 'on sensitive areas of reform'; B §2.2: sensitive topics (ideology, human rights) invite restriction; assumption for its size",
        "risk per unit of domain sensitivity",
    )
    risk_critic: float = _p(
        0.3,
        0,
        2,
        "A §4.2, note 47: or promote reform 'in a way that government suspects as being controversial or radical'; assumption for its size",
        "risk of a critic over a co-creator",
    )
    risk_specialist: float = _p(
        0.1,
        0,
        1,
        "A §4.3: a specialised, professional focus 'would be less likely to invite suspicion or disapproval from the government'; assumption for its size",
        "risk lowered for a specialist",
    )
    distrust_gongo: float = _p(
        0.05,
        0,
        1,
        "A §4.2: 'Chinese GONGOs are trusted by the government'",
        "the state's distrust of a GONGO (the share of its profile's risk it sees)",
    )
    distrust_foundation: float = _p(
        0.3,
        0,
        1,
        "assumption: foundations (e.g. CFPA, under a ministry's supervision, B §2.2) are closer to the state "
        "than G-R NGOs",
        "the state's distrust of a foundation",
    )
    platform_vouch: float = _p(
        0.5,
        0,
        1,
        "A §4.3: NGOs outside the Charity Law can borrow a GONGO's platform (legal NGOs, the lawyers' "
        "association); assumption for its size",
        "share of a G-R NGO's profile risk the state no longer sees while a GONGO's platform vouches for it",
    )
    trouble_weight: float = _p(
        3.0,
        0,
        20,
        "A §4.2: the government 'worries about the risk of their becoming trouble-makers'; assumption for its size",
        "weight of an act read as trouble against a co-creative one",
    )
    signal_un_event: float = _p(
        0.2, 0, 10, "assumption: attending a side event tells the state little", "weight of an attended UN event"
    )
    signal_presence: float = _p(
        1.0, 0, 10, "assumption: the unit against which other acts are weighed", "weight of a standing presence abroad"
    )
    signal_application: float = _p(1.0, 0, 10, "assumption", "weight of an ECOSOC application")
    signal_upr_submission: float = _p(
        3.0,
        0,
        10,
        "assumption: a shadow report on the state's own record says the most (A §4.1: G-R NGOs' reports focus "
        "on law and policy)",
        "weight of a UPR stakeholder report",
    )
    trouble_critic: float = _p(
        0.8,
        0,
        1,
        "A §4.3: NGOs seen as critics of the government rather than contributors to problem-solving; assumption for its size",
        "chance that an act abroad of a critic in the most sensitive domain is read as trouble",
    )
    trouble_cocreator: float = _p(
        0.15,
        0,
        1,
        "A §4.3: co-creators 'bring analysis, expertise and solutions'; assumption for its size",
        "same for a co-creator",
    )

    # --- strategy (A, B) -----------------------------------------------------------------------
    critic_base: float = _p(
        0.1,
        0,
        1,
        "A §4.3: some NGOs act as critics, others as co-creators; assumption for the share",
        "chance a G-R NGO or foundation in the least sensitive domain is a critic (GONGOs never are)",
    )
    critic_sensitivity: float = _p(
        0.6,
        0,
        1,
        "A §4.3: even in human rights, engagement moves from 'naming and shaming' to cooperation; B §2.2: sensitive topics; assumption for its size",
        "extra chance of being a critic per unit of sensitivity",
    )
    specialist_share: float = _p(
        0.3,
        0,
        1,
        "A §4.3: the first of three strategies A recommends, still rare; assumption for the share",
        "share of organisations that specialise",
    )
    associate_share: float = _p(
        0.3,
        0,
        1,
        "A §4.3: 'grow and unite'; assumption for the share",
        "share of engaged G-R NGOs that seek coalitions",
    )
    borrow_share: float = _p(
        0.25,
        0,
        1,
        "A §4.3: borrowing a GONGO's platform; assumption for the share",
        "share of engaged G-R NGOs that borrow a GONGO's platform",
    )
    strategy_learning: float = _p(
        0.3,
        0,
        1,
        "A §4.3: strategies 'evolve' in a grey area where G-R NGOs explore boundaries; assumption for its size",
        "chance a critic turns co-creator after an objection",
    )

    # --- UPR (A; un_process_facts.csv) --------------------------------------------------------------
    upr_campaign_gongos: float = _p(
        16,
        0,
        1000,
        "A §4.1: at the first review 19 of the 47 stakeholders were from the mainland, three of them G-R NGOs, "
        "after the state mobilised GONGOs",
        "GONGOs the state mobilises to send a report when it mobilises for a review (un_calendar.csv)",
    )
    upr_foreign_2009: float = _p(
        28,
        0,
        1000,
        "A §4.1: 47 stakeholders at China's first review, 19 of them from the mainland",
        "reports from stakeholders outside the mainland at the first review",
    )
    upr_foreign_growth: float = _p(
        0.16,
        -0.5,
        1,
        "A §4.1: 47 reports at the first review (19 from the mainland) and over 80, joint ones included, at the second; with the mainland's about as many both times, those from outside grew from 28 to about 60 in 4.7 years: fixed at 0.16 a year",
        "yearly growth of the reports from outside the mainland (until trends_until)",
    )
    upr_grassroots: float = _p(
        2.0,
        0,
        20,
        "A §4.1: three G-R NGOs among the 19 mainland stakeholders of 2009; calibrated",
        "propensity of a G-R NGO abroad to send a UPR report of its own accord, per unit of UN experience (chance 1 - exp(-propensity x experience))",
    )
    upr_foundation: float = _p(
        0.2,
        0,
        20,
        "assumption",
        "same for a foundation",
    )
    upr_uptake: float = _p(
        0.1,
        0,
        1,
        "A §4.1: OHCHR took 'at least one idea or recommendation from each organisation'; assumption for its size",
        "international soft power gained by a submission",
    )
    upr_cycle_years: float = _p(
        4.5,
        1,
        10,
        "un_calendar.csv: China's reviews of 2009, 2013, 2018 and 2024, about four and a half years apart",
        "spacing of projected reviews after the last real one",
    )
    training_experience: float = _p(
        0.15,
        0,
        1,
        "A §4.1: OHCHR trained Chinese NGOs on treaty bodies in September 2007, apart from the state's mobilisation of GONGOs; assumption for its size and that it reached G-R NGOs and foundations, not GONGOs",
        "UN experience gained from the training by each G-R NGO and foundation abroad, times (1 + outreach_participation x un_outreach)",
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
        "A §3.3: roster organisations are those that fit neither general nor special status; assumption for their access",
        "UN access of a roster holder relative to general or special",
    )
    outreach_participation: float = _p(
        1.0,
        0,
        20,
        "A §3.2 and §3.3: the UN's outreach to civil society (Cardoso Report, Major Groups); assumption for its size",
        "extra UN-event attendance and training gain, as a multiple, at full un_outreach",
    )
    un_platform_ease: float = _p(
        0.3,
        0,
        1,
        "A §4.2: the UN platform lets the government 'feel as though it can manage such groups'; assumption for its size",
        "share less often an act on the UN platform is read as trouble than a presence abroad elsewhere",
    )

    # --- historical lever moves (how far each dated event moves its lever; policy_timeline.csv) ------
    easing_2010: float = _p(
        0.1,
        0,
        1,
        "A §1: on 2010-09-29 the line on civil society shifted from 'control' to 'regulation' (policy_timeline.csv); assumption for the size",
        "registration_easing step",
    )
    easing_2011: float = _p(
        0.4,
        0,
        1,
        "A §1: on 2011-07-04 charity, social-service and social-welfare NGOs could register directly; those domains open at easing 0.5 (issue_domains.csv), which the 2010 step (0.1) and this one reach",
        "registration_easing step",
    )
    easing_2013: float = _p(
        0.25,
        0,
        1,
        "A §1: in March 2013 the sponsor requirement was abolished for all but four types; the other domains open at easing 0.75 (issue_domains.csv), which this step reaches",
        "registration_easing step",
    )
    veto_2010: float = _p(
        -0.5,
        -1,
        0,
        "A §1: in 2010 the political line shifted from 'control' to 'regulation'; A §4.1: before 2011 every mainland status holder was a GONGO, and two G-R NGOs got special status in 2011; calibrated",
        "accreditation_veto step (negative: the state objects less)",
    )
    pd_2008: float = _p(
        0.1,
        0,
        1,
        "A §2.1: the 2008 Olympic Games opened the era of public diplomacy (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2009_strategic: float = _p(
        0.1,
        0,
        1,
        "A §2.1: July 2009, public diplomacy given strategic importance (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2009_office: float = _p(
        0.1,
        0,
        1,
        "A §2.1: October 2009, Office for Public Diplomacy in the Ministry of Foreign Affairs (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2012_upgrade: float = _p(
        0.1,
        0,
        1,
        "A §2.1: August 2012, the office upgraded to ministry level (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2012_association: float = _p(
        0.1,
        0,
        1,
        "A §2.1: December 2012, the China Public Diplomacy Association (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2016_internationalisation: float = _p(
        0.1,
        0,
        1,
        "A §2.2: in 2016 a policy to support NGOs' internationalisation was framed, not public (policy_timeline.csv); assumption for the size",
        "public_diplomacy_support step",
    )
    pd_2017_silk_road: float = _p(
        0.1,
        0,
        1,
        "policy_timeline.csv 2017-05-01: Silk Road NGO Cooperation Network (CNIE announcements); assumption for the size",
        "public_diplomacy_support step",
    )
    outreach_2007: float = _p(
        0.5,
        0,
        1,
        "A §4.1: OHCHR's training of September 2007 (policy_timeline.csv); assumption for the size",
        "un_outreach step",
    )
    contracting_2013: float = _p(
        0.5,
        0,
        1,
        "A §1: Guiding Opinion of 2013-09-26 on contracting services (policy_timeline.csv); assumption for the size",
        "government_contracting step",
    )
    association_2016: float = _p(
        0.5,
        0,
        1,
        "A §1 and §4.3: the Charity Law of 2016-03-16, Art. 19 (policy_timeline.csv); assumption for the size",
        "association step",
    )
    foreign_restriction_2017: float = _p(
        0.6,
        0,
        1,
        "A §2.2: the Overseas NGO Management Law, in force 2017-01-01 (policy_timeline.csv); assumption for the size",
        "foreign_funding_restriction step",
    )
    enforcement_2018: float = _p(
        0.5,
        0,
        1,
        "policy_timeline.csv 2018-04-01 (month to verify); assumption for its size",
        "enforcement step of the 2018 campaign (it ends on 2019-01-01)",
    )
    enforcement_2021: float = _p(
        0.5,
        0,
        1,
        "policy_timeline.csv 2021-03-20 (date to verify); assumption for its size",
        "enforcement step of the 2021 campaign (it ends on 2022-01-01)",
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
