import { EVERYONE, from, GATEWAY, holding, MEMBERS, type Expectations } from './principals';

const reads = holding('crm:read');
const writes = holding('crm:write');
const liveRecords = holding('crm:read', 'profiles:read');

export const crm: Expectations = {
  'Query.crmConnections': reads,
  'Query.privacyExportCrm': from('identity'),
  'Query._entities': MEMBERS,
  'Query._service': GATEWAY,
  'Mutation.createCrmConnection': holding('crm:admin'),
  'Mutation.updateCrmConnection': holding('crm:admin'),
  'Mutation.deleteCrmConnection': holding('crm:admin'),
  'Mutation.linkCrmRecord': writes,
  'Mutation.unlinkCrmRecord': writes,
  // Sending a profile out is reading it.
  'Mutation.matchCrmRecord': holding('crm:write', 'profiles:read'),
  'Mutation.pushEndUserToCrm': holding('crm:write', 'profiles:read'),
  'Mutation.privacyEraseCrm': from('identity'),
  'Mutation.privacyRectifyCrm': from('identity'),
  'EndUser.id': MEMBERS,
  'EndUser.crmLinks': reads,
  'EndUser.crmRecords': liveRecords,
  CrmConnection: reads,
  CrmConnectionConnection: reads,
  CrmConnectionEdge: reads,
  CrmLink: reads,
  CrmLinkConnection: reads,
  CrmLinkEdge: reads,
  CrmRecord: liveRecords,
  CrmField: liveRecords,
  CrmRecordConnection: liveRecords,
  CrmRecordEdge: liveRecords,
  CrmPushResult: writes,
  PageInfo: EVERYONE,
  _Service: GATEWAY,
};
