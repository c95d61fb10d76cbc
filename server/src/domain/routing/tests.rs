//! Examples of each rule, then properties checked on random agents and queues (proptest).

use proptest::prelude::*;

use super::*;

fn agent(id: i64, open: u8, free_since: i64) -> AgentSnapshot {
    AgentSnapshot {
        id: AgentId(id),
        presence: Presence::Operating,
        positions: 8,
        open,
        free_since,
        groups: vec![GroupId(1)],
        answer_mode: AnswerMode::Automatic,
    }
}

fn waiting(id: i64, queued_at: i64) -> WaitingConversation {
    WaitingConversation {
        id: ConversationId(id),
        route: Route::Groups(vec![GroupId(1)]),
        queued_at,
        front: false,
        declined_by: vec![],
    }
}

/// (conversation, agent) of each assignment, as plain numbers to compare with.
fn assigned(plan: &[Assignment]) -> Vec<(i64, i64)> {
    plan.iter().map(|a| (a.conversation.0, a.agent.0)).collect()
}

#[test]
fn the_least_loaded_agent_gets_the_conversation_and_ties_go_to_the_longest_free() {
    let agents = [agent(1, 3, 100), agent(2, 1, 500), agent(3, 1, 200)];
    assert_eq!(assigned(&plan(&agents, &[waiting(10, 0)], 1000)), [(10, 3)]);
}

#[test]
fn paused_offline_and_full_agents_get_nothing() {
    let mut paused = agent(1, 0, 0);
    paused.presence = Presence::Paused;
    let mut offline = agent(2, 0, 0);
    offline.presence = Presence::Offline;
    let mut full = agent(3, 2, 0);
    full.positions = 2;
    assert!(plan(&[paused, offline, full], &[waiting(10, 0)], 1).is_empty());
}

#[test]
fn the_oldest_waits_least_and_taken_back_conversations_go_first() {
    let mut one_slot = agent(1, 7, 0);
    one_slot.positions = 8;
    let mut taken_back = waiting(12, 900);
    taken_back.front = true;
    let queue = [waiting(11, 500), waiting(10, 100), taken_back];
    assert_eq!(
        assigned(&plan(&[one_slot.clone()], &queue, 1000)),
        [(12, 1)]
    );
    assert_eq!(assigned(&plan(&[one_slot], &queue[..2], 1000)), [(10, 1)]);
}

#[test]
fn a_conversation_nobody_can_take_does_not_hold_up_the_others() {
    let mut other_group = waiting(10, 0);
    other_group.route = Route::Groups(vec![GroupId(2)]);
    let queue = [other_group, waiting(11, 5)];
    assert_eq!(assigned(&plan(&[agent(1, 0, 0)], &queue, 1)), [(11, 1)]);
}

#[test]
fn a_transfer_to_a_person_waits_for_that_person() {
    let mut to_two = waiting(10, 0);
    to_two.route = Route::Agent(AgentId(2));
    let mut two = agent(2, 1, 0);
    two.positions = 1;
    assert!(plan(&[agent(1, 0, 0), two.clone()], &[to_two.clone()], 1).is_empty());
    two.open = 0;
    assert_eq!(
        assigned(&plan(&[agent(1, 0, 0), two], &[to_two], 1)),
        [(10, 2)]
    );
}

#[test]
fn an_expired_offer_goes_to_someone_else_unless_nobody_else_can_take_it() {
    let mut declined = waiting(10, 0);
    declined.declined_by = vec![AgentId(1)];
    let agents = [agent(1, 0, 0), agent(2, 5, 0)];
    assert_eq!(assigned(&plan(&agents, &[declined.clone()], 1)), [(10, 2)]);
    assert_eq!(assigned(&plan(&agents[..1], &[declined], 1)), [(10, 1)]);
}

#[test]
fn an_agent_in_manual_mode_is_offered_the_conversation_and_it_holds_a_position() {
    let mut manual = agent(1, 0, 0);
    manual.answer_mode = AnswerMode::Manual;
    manual.positions = 1;
    let plan_made = plan(
        &[manual, agent(2, 0, 5)],
        &[waiting(10, 0), waiting(11, 1)],
        9,
    );
    assert_eq!(
        plan_made,
        [
            Assignment {
                conversation: ConversationId(10),
                agent: AgentId(1),
                offer: true
            },
            Assignment {
                conversation: ConversationId(11),
                agent: AgentId(2),
                offer: false
            },
        ]
    );
    assert!(!offer_expired(30_000, 29_999));
    assert!(offer_expired(30_000, 30_000));
}

#[test]
fn arrivals_spread_evenly_over_equal_agents() {
    let mut agents: Vec<AgentSnapshot> = (1..=3).map(|id| agent(id, 0, 0)).collect();
    for (tick, conversation) in (1..=9).enumerate() {
        let now = tick as i64 + 1;
        for a in plan(&agents, &[waiting(conversation, now)], now) {
            let chosen = agents.iter_mut().find(|x| x.id == a.agent).expect("agent");
            chosen.open += 1;
            chosen.free_since = now;
        }
    }
    assert!(agents.iter().all(|a| a.open == 3), "{agents:?}");
}

#[test]
fn a_console_gone_past_the_grace_period_has_left() {
    assert!(!has_left(Presence::Operating, 0, 60_000, 60_000));
    assert!(has_left(Presence::Operating, 0, 60_001, 60_000));
    assert!(has_left(Presence::Paused, 0, 60_001, 60_000));
    assert!(!has_left(Presence::Offline, 0, 600_000, 60_000));
}

fn arb_agent() -> impl Strategy<Value = AgentSnapshot> {
    (
        1i64..20,
        prop_oneof![
            3 => Just(Presence::Operating),
            1 => Just(Presence::Paused),
            1 => Just(Presence::Offline)
        ],
        1u8..=8,
        0u8..=8,
        0i64..1_000,
        prop::collection::vec(1i64..4, 0..3),
    )
        .prop_map(
            |(id, presence, positions, open, free_since, groups)| AgentSnapshot {
                id: AgentId(id),
                presence,
                positions,
                open: open.min(positions),
                free_since,
                groups: groups.into_iter().map(GroupId).collect(),
                answer_mode: AnswerMode::Automatic,
            },
        )
}

fn arb_waiting() -> impl Strategy<Value = WaitingConversation> {
    (
        1i64..200,
        prop_oneof![
            4 => prop::collection::vec(1i64..4, 1..3)
                .prop_map(|groups| Route::Groups(groups.into_iter().map(GroupId).collect())),
            1 => (1i64..20).prop_map(|agent| Route::Agent(AgentId(agent)))
        ],
        0i64..1_000,
        prop::bool::weighted(0.1),
        prop::collection::vec(1i64..20, 0..2),
    )
        .prop_map(
            |(id, route, queued_at, front, declined_by)| WaitingConversation {
                id: ConversationId(id),
                route,
                queued_at,
                front,
                declined_by: declined_by.into_iter().map(AgentId).collect(),
            },
        )
}

/// Agents and conversations with unique ids.
fn arb_world() -> impl Strategy<Value = (Vec<AgentSnapshot>, Vec<WaitingConversation>)> {
    (
        prop::collection::vec(arb_agent(), 0..8),
        prop::collection::vec(arb_waiting(), 0..40),
    )
        .prop_map(|(mut agents, mut waiting)| {
            agents.sort_by_key(|a| a.id);
            agents.dedup_by_key(|a| a.id);
            waiting.sort_by_key(|w| w.id);
            waiting.dedup_by_key(|w| w.id);
            (agents, waiting)
        })
}

fn after(agents: &[AgentSnapshot], plan: &[Assignment]) -> Vec<AgentSnapshot> {
    let mut agents = agents.to_vec();
    for a in plan {
        if let Some(agent) = agents.iter_mut().find(|x| x.id == a.agent) {
            agent.open += 1;
        }
    }
    agents
}

proptest! {
    #[test]
    fn capacity_is_never_exceeded_and_only_operating_agents_receive((agents, waiting) in arb_world()) {
        let plan = plan(&agents, &waiting, 10_000);
        for (before, now) in agents.iter().zip(after(&agents, &plan)) {
            prop_assert!(now.open <= now.positions, "{now:?}");
            if now.open > before.open {
                prop_assert_eq!(before.presence, Presence::Operating);
            }
        }
    }

    #[test]
    fn every_conversation_goes_where_its_route_allows_and_at_most_once((agents, waiting) in arb_world()) {
        let plan = plan(&agents, &waiting, 10_000);
        let mut seen = std::collections::HashSet::new();
        for a in &plan {
            prop_assert!(seen.insert(a.conversation));
            let conversation = waiting.iter().find(|w| w.id == a.conversation).expect("waiting");
            let agent = agents.iter().find(|x| x.id == a.agent).expect("agent");
            prop_assert!(conversation.routable_to(agent));
        }
    }

    #[test]
    fn nothing_waits_while_an_agent_who_could_take_it_has_room((agents, waiting) in arb_world()) {
        let plan = plan(&agents, &waiting, 10_000);
        let agents_after = after(&agents, &plan);
        for conversation in waiting.iter().filter(|w| plan.iter().all(|a| a.conversation != w.id)) {
            prop_assert!(
                !agents_after.iter().any(|a| a.has_room() && conversation.routable_to(a)),
                "{conversation:?} starves"
            );
        }
    }

    #[test]
    fn an_older_conversation_is_never_passed_over_for_a_younger_one_with_the_same_route(
        (agents, waiting) in arb_world()
    ) {
        let plan = plan(&agents, &waiting, 10_000);
        let is_assigned = |w: &WaitingConversation| plan.iter().any(|a| a.conversation == w.id);
        for older in waiting.iter().filter(|w| !is_assigned(w)) {
            for younger in waiting.iter().filter(|w| is_assigned(w) && w.route == older.route) {
                prop_assert!(
                    younger.order_key() < older.order_key() || !younger.declined_by.is_empty() || !older.declined_by.is_empty(),
                    "{younger:?} was served before {older:?}"
                );
            }
        }
    }

    #[test]
    fn the_queue_head_plans_as_the_whole_queue_does_once_it_fills_every_free_position(
        (agents, waiting) in arb_world(), head in 0usize..40
    ) {
        let mut queue = waiting.clone();
        queue.sort_by_key(|w| w.order_key());
        let head = &queue[..head.min(queue.len())];
        let whole = plan(&agents, &waiting, 10_000);
        let of_head = plan(&agents, head, 10_000);
        // Greedy in queue order: the head's plan is the whole plan for the head's conversations.
        let whole_for_head: Vec<Assignment> = whole
            .iter()
            .filter(|a| head.iter().any(|w| w.id == a.conversation))
            .copied()
            .collect();
        prop_assert_eq!(&of_head, &whole_for_head);
        let room: usize = agents.iter().map(AgentSnapshot::room).sum();
        if of_head.len() >= room {
            prop_assert_eq!(&of_head, &whole);
        }
    }
}
