use leptos::prelude::*;

use crate::error::AppError;
use crate::model::survey::{SurveyReport, SurveyReportChoices, SurveyReportFilter};

/// Supervisors and admins only.
#[cfg(feature = "ssr")]
async fn reports() -> Result<std::sync::Arc<dyn crate::server::SurveyReports>, AppError> {
    use crate::model::Role;
    use crate::server::{fail, services, session, session::current_user};

    let services = services()?;
    match current_user(&session().await?, &services).await? {
        Some(user) if matches!(user.role, Role::Admin | Role::Supervisor) => Ok(services.surveys),
        Some(_) => Err(fail(AppError::Forbidden)),
        None => Err(fail(AppError::Unauthenticated)),
    }
}

/// The report's filter: the services and the default period.
#[server(endpoint = "admin/survey_report_choices")]
pub async fn get_survey_report_choices() -> Result<SurveyReportChoices, AppError> {
    reports()
        .await?
        .choices()
        .await
        .map_err(crate::server::fail)
}

/// The survey report of a service over a period.
#[server(endpoint = "admin/survey_report", input = leptos::server_fn::codec::Json)]
pub async fn get_survey_report(filter: SurveyReportFilter) -> Result<SurveyReport, AppError> {
    reports()
        .await?
        .report(filter)
        .await
        .map_err(crate::server::fail)
}
