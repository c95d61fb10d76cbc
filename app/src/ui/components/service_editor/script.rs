//! Automation script tab: the chatbot's greeting, question, human keyword and its menu tree
//! (each option leads to a group, a message or a sub-menu), with a test chat beside it that
//! runs the script as typed, through the server's own bot.

use leptos::prelude::*;

use super::Draft;
use crate::api::admin::preview_script;
use crate::i18n::*;
use crate::model::script::{
    Menu, MenuAction, MenuOption, PreviewLine, Script, ScriptQuestion, MAX_DEPTH,
};
use crate::model::service::{Localized, ServiceForm};

/// Reads the menu at `path` of the form's script.
fn with_menu<T>(form: &ServiceForm, path: &[usize], read: impl FnOnce(&Menu) -> T) -> Option<T> {
    form.policy.script.menu.at(path).map(read)
}

/// Changes the menu at `path` of the form's script.
fn edit_menu(form: RwSignal<ServiceForm>, path: &[usize], change: impl FnOnce(&mut Menu)) {
    form.update(|f| {
        if let Some(menu) = f.policy.script.menu.at_mut(path) {
            change(menu);
        }
    });
}

/// A text in both languages, as two inputs.
fn localized_inputs(
    name: String,
    read: impl Fn() -> Localized + Copy + Send + Sync + 'static,
    write: impl Fn(bool, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <span class="localized">
            <input type="text" name=format!("{name}_pt_br") placeholder="pt-BR" prop:value=move || read().pt_br
                on:input=move |e| write(false, event_target_value(&e)) />
            <input type="text" name=format!("{name}_en") placeholder="en" prop:value=move || read().en
                on:input=move |e| write(true, event_target_value(&e)) />
        </span>
    }
}

fn set_language(text: &mut Localized, english: bool, value: String) {
    if english {
        text.en = value;
    } else {
        text.pt_br = value;
    }
}

/// What an option does, as the select names it.
fn action_code(action: &MenuAction) -> &'static str {
    match action {
        MenuAction::Group { .. } => "group",
        MenuAction::Message { .. } => "message",
        MenuAction::SubMenu { .. } => "sub_menu",
    }
}

#[component]
fn OptionEditor(draft: Draft, path: Vec<usize>, index: usize) -> AnyView {
    let i18n = use_i18n();
    let form = draft.form;
    let path = StoredValue::new(path);
    let read = move |f: &ServiceForm| {
        with_menu(f, &path.get_value(), |m| m.options.get(index).cloned())
            .flatten()
            .unwrap_or_default()
    };
    let kind = Memo::new(move |_| form.with(|f| action_code(&read(f).action)));
    let edit = move |change: Box<dyn FnOnce(&mut MenuOption)>| {
        edit_menu(form, &path.get_value(), |m| {
            if let Some(option) = m.options.get_mut(index) {
                change(option);
            }
        })
    };
    let name = move || {
        format!(
            "option_{}",
            path.get_value()
                .iter()
                .chain([&index])
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("_")
        )
    };
    let label = localized_inputs(
        format!("{}_label", name()),
        move || form.with(|f| read(f).label),
        move |english, value| {
            edit(Box::new(move |o| {
                set_language(&mut o.label, english, value)
            }))
        },
    );
    let set_kind = move |code: String| {
        edit(Box::new(move |o| {
            o.action = match code.as_str() {
                "message" => MenuAction::Message {
                    text: Localized::default(),
                },
                "sub_menu" => MenuAction::SubMenu {
                    menu: Menu::default(),
                },
                _ => MenuAction::Group { group_id: None },
            }
        }))
    };
    let depth = path.with_value(Vec::len);
    let groups = move || {
        draft
            .choices
            .with(|c| c.as_ref().map(|c| c.groups.clone()).unwrap_or_default())
    };
    let detail = move || match kind.get() {
        "group" => {
            let chosen = move || {
                form.with(|f| match read(f).action {
                    MenuAction::Group { group_id } => group_id,
                    _ => None,
                })
            };
            view! {
                <select name=format!("{}_group", name()) on:change=move |e| {
                    let group_id = event_target_value(&e).parse::<i64>().ok();
                    edit(Box::new(move |o| o.action = MenuAction::Group { group_id }));
                }>
                    <option value="">{t!(i18n, admin.script.service_groups)}</option>
                    {move || groups().into_iter().map(|g| {
                        let id = g.id;
                        view! { <option value=id.to_string() selected=move || chosen() == Some(id)>{g.name}</option> }
                    }).collect_view()}
                </select>
            }.into_any()
        }
        "message" => localized_inputs(
            format!("{}_message", name()),
            move || {
                form.with(|f| match read(f).action {
                    MenuAction::Message { text } => text,
                    _ => Localized::default(),
                })
            },
            move |english, value| {
                edit(Box::new(move |o| {
                    if let MenuAction::Message { text } = &mut o.action {
                        set_language(text, english, value)
                    }
                }))
            },
        )
        .into_any(),
        _ => {
            let mut inner = path.get_value();
            inner.push(index);
            view! { <MenuEditor draft path=inner /> }.into_any()
        }
    };
    view! {
        <li class="script-option" data-option=name>
            <span class="option-number">{index + 1}"."</span>
            {label}
            <select name=format!("{}_kind", name()) prop:value=move || kind.get() on:change=move |e| set_kind(event_target_value(&e))>
                <option value="group">{t!(i18n, admin.script.to_group)}</option>
                <option value="message">{t!(i18n, admin.script.to_message)}</option>
                <option value="sub_menu" disabled={depth + 1 >= MAX_DEPTH}>{t!(i18n, admin.script.to_sub_menu)}</option>
            </select>
            <button type="button" class="link" on:click=move |_| edit_menu(form, &path.get_value(), |m| { if index < m.options.len() { m.options.remove(index); } })>
                {t!(i18n, admin.script.remove)}
            </button>
            <div class="option-detail">{detail}</div>
        </li>
    }
    .into_any()
}

/// A menu: its prompt and options; sub-menus are menus again, one level in.
#[component]
fn MenuEditor(draft: Draft, path: Vec<usize>) -> AnyView {
    let i18n = use_i18n();
    let form = draft.form;
    let stored = StoredValue::new(path.clone());
    let count = Memo::new(move |_| {
        form.with(|f| with_menu(f, &stored.get_value(), |m| m.options.len()).unwrap_or(0))
    });
    let prompt = localized_inputs(
        format!(
            "prompt_{}",
            path.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("_")
        ),
        move || {
            form.with(|f| {
                with_menu(f, &stored.get_value(), |m| m.prompt.clone()).unwrap_or_default()
            })
        },
        move |english, value| {
            edit_menu(form, &stored.get_value(), |m| {
                set_language(&mut m.prompt, english, value)
            })
        },
    );
    view! {
        <div class="script-menu" data-depth=path.len()>
            <label>{t!(i18n, admin.script.prompt)} {prompt}</label>
            <ol class="script-options">
                {move || (0..count.get()).map(|index| view! { <OptionEditor draft path=stored.get_value() index /> }).collect_view()}
            </ol>
            <button type="button" on:click=move |_| edit_menu(form, &stored.get_value(), |m| m.options.push(MenuOption::default()))>
                {t!(i18n, admin.script.add_option)}
            </button>
        </div>
    }
    .into_any()
}

/// The test chat: the script as typed, run by the server's bot over the messages typed here.
#[component]
fn TestChat(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let inputs = RwSignal::new(Vec::<String>::new());
    let typed = RwSignal::new(String::new());
    let run = Action::new(move |inputs: &Vec<String>| {
        let script = draft.form.with_untracked(|f| f.policy.script.clone());
        let inputs = inputs.clone();
        async move { preview_script(script, inputs).await }
    });
    let send = move |text: String| {
        inputs.update(|all| all.push(text));
        run.dispatch(inputs.get_untracked());
    };
    let submit = move || {
        let text = typed.get_untracked();
        if !text.trim().is_empty() {
            typed.set(String::new());
            send(text);
        }
    };
    let restart = move |_| {
        inputs.set(Vec::new());
        run.dispatch(Vec::new());
    };
    let lines = move || {
        match run.value().get() {
        None => view! { <p class="hint">{t!(i18n, admin.script.test_hint)}</p> }.into_any(),
        Some(Err(error)) => view! { <p class="form-error"><crate::ui::components::ErrorMessage error /></p> }.into_any(),
        Some(Ok(lines)) => lines.into_iter().map(|line| match line {
            PreviewLine::Customer(text) => view! { <li class="bubble customer">{text}</li> }.into_any(),
            PreviewLine::Bot { text, buttons } => view! {
                <li class="bubble bot">{text}
                    <span class="buttons">{buttons.into_iter().map(|b| {
                        let title = b.clone();
                        view! { <button type="button" on:click=move |_| send(b.clone())>{title}</button> }
                    }).collect_view()}</span>
                </li>
            }.into_any(),
            PreviewLine::HandedOver { group, answer } => view! {
                <li class="handed-over">
                    {move || match group.clone() {
                        Some(group) => t_string!(i18n, admin.script.handed_over_to, group = group),
                        None => t_string!(i18n, admin.script.handed_over).to_owned(),
                    }}
                    {answer.map(|a| view! { <span>" · " {a}</span> })}
                </li>
            }.into_any(),
        }).collect_view().into_any(),
    }
    };
    view! {
        <aside class="test-chat" aria-label=move || t_string!(i18n, admin.script.test_chat)>
            <h3>{t!(i18n, admin.script.test_chat)}</h3>
            <ul class="test-lines">{lines}</ul>
            // Not a form: it sits inside the service's form, and forms do not nest.
            <div class="test-input">
                <input type="text" name="test_message" prop:value=typed
                    on:input=move |e| typed.set(event_target_value(&e))
                    on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); submit(); } />
                <button type="button" name="test_send" on:click=move |_| submit()>{t!(i18n, admin.script.test_send)}</button>
                <button type="button" class="link" on:click=restart>{t!(i18n, admin.script.test_restart)}</button>
            </div>
        </aside>
    }
}

#[component]
pub(super) fn ScriptTab(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    let script =
        move |read: fn(&Script) -> Localized| move || form.with(|f| read(&f.policy.script));
    let greeting = localized_inputs(
        "greeting".to_owned(),
        script(|s| s.greeting.clone()),
        move |english, value| {
            form.update(|f| set_language(&mut f.policy.script.greeting, english, value))
        },
    );
    let has_question = Memo::new(move |_| form.with(|f| f.policy.script.question.is_some()));
    let question = move || {
        has_question.get().then(|| {
        let text = localized_inputs(
            "script_question_text".to_owned(),
            script(|s| s.question.clone().unwrap_or_default().text),
            move |english, value| form.update(|f| {
                if let Some(q) = &mut f.policy.script.question { set_language(&mut q.text, english, value) }
            }),
        );
        view! {
            <label>{t!(i18n, admin.script.question_text)} {text}</label>
            <label>{t!(i18n, admin.script.question_label)}
                <input type="text" name="question_label" maxlength="40"
                    prop:value=move || form.with(|f| f.policy.script.question.as_ref().map(|q| q.label.clone()).unwrap_or_default())
                    on:input=move |e| {
                        let label = event_target_value(&e);
                        form.update(|f| if let Some(q) = &mut f.policy.script.question { q.label = label });
                    } />
            </label>
        }
    })
    };
    view! {
        <div class="script-tab">
            <div class="script-form">
                <p class="hint">{t!(i18n, admin.script.intro)}</p>
                <label class="check">
                    <input type="checkbox" name="script_enabled" prop:checked=move || form.with(|f| f.policy.script.enabled)
                        on:change=move |e| form.update(|f| f.policy.script.enabled = event_target_checked(&e)) />
                    {t!(i18n, admin.script.enabled)}
                </label>
                <label class="check">
                    <input type="checkbox" name="script_buttons" prop:checked=move || form.with(|f| f.policy.script.buttons)
                        on:change=move |e| form.update(|f| f.policy.script.buttons = event_target_checked(&e)) />
                    {t!(i18n, admin.script.buttons)}
                </label>
                <label>{t!(i18n, admin.script.greeting)} {greeting}</label>
                <label>{t!(i18n, admin.script.keyword)}
                    <input type="text" name="human_keyword" maxlength="30"
                        prop:value=move || form.with(|f| f.policy.script.human_keyword.clone())
                        on:input=move |e| { let k = event_target_value(&e); form.update(|f| f.policy.script.human_keyword = k) } />
                </label>
                <label class="check">
                    <input type="checkbox" name="script_question" prop:checked=move || has_question.get()
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            form.update(|f| f.policy.script.question = on.then(ScriptQuestion::default));
                        } />
                    {t!(i18n, admin.script.ask_question)}
                </label>
                {question}
                <h3>{t!(i18n, admin.script.menu)}</h3>
                <MenuEditor draft path=Vec::new() />
            </div>
            <TestChat draft />
        </div>
    }
}
