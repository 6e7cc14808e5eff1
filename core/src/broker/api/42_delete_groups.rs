// DeleteGroups: v0-v2
// Behaviour:
// - Each group: NOT_COORDINATOR on the wrong node, GROUP_ID_NOT_FOUND when it does not exist,
//   NON_EMPTY_GROUP while it has members; otherwise it and its offsets are gone (tombstones in
//   `__consumer_offsets`).
// Version notes:
// - v0-v1 identical. v2+: flexible.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::Millis;

use super::super::Broker;
use super::Outcome;

impl Broker {
    pub(super) fn handle_delete_groups(&mut self, req: DeleteGroupsRequest, node: i32, now: Millis) -> Outcome {
        let results = req
            .groups_names
            .iter()
            .map(|id| {
                let mut e = self.group_error(node, &id.0, false);
                if e == ErrorCode::NONE {
                    e = self.groups.delete(&id.0);
                }
                DeletableGroupResult::default().with_group_id(id.clone()).with_error_code(e.0)
            })
            .collect();
        self.flush_group_records(now);
        Outcome::Respond(ResponseKind::DeleteGroups(DeleteGroupsResponse::default().with_results(results)))
    }
}

pub(super) fn error_response(req: &DeleteGroupsRequest, code: ErrorCode) -> DeleteGroupsResponse {
    let results = req
        .groups_names
        .iter()
        .map(|id| DeletableGroupResult::default().with_group_id(id.clone()).with_error_code(code.0))
        .collect();
    DeleteGroupsResponse::default().with_results(results)
}
