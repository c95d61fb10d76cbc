//! Server-only half of the seam (feature `ssr`): the ports the `server` crate implements and
//! the helpers server functions use to reach them, the session and the request.

mod context;
mod ports;
pub mod session;

pub use context::{client_ip, fail, services, session};
pub use ports::{
    Accounts, ClientIp, Console, GeneralSettingsAdmin, GroupAdmin, LoginAttempt, PauseReasonAdmin,
    ScheduleAdmin, ServiceAdmin, Services, SessionPolicy, SessionUser, SurveyReports, UserAdmin,
    Webhooks,
};
