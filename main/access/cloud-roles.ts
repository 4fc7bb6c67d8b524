/**
 * What well-known predefined roles of GCP and Azure allow, as shipped data: a curated subset of
 * the providers' role references, holding the permissions that decide administration, acting as
 * another identity and reading secrets. It is not the whole catalogue (that cannot be fetched
 * offline): a role absent here is shown by name with "permissions not in the shipped role data",
 * never guessed.
 *
 * Sources, as of 2026-11-30: Google Cloud "IAM basic and predefined roles reference"
 * (cloud.google.com/iam/docs/roles-permissions) and Microsoft "Azure built-in roles"
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */

export const ROLE_DATA_SOURCE = {
  name: 'curated subset of the GCP predefined-role and Azure built-in-role references',
  updatedAt: '2026-11-30',
};

export interface RoleInfo {
  /** Permissions (GCP) or actions (Azure) that matter for escalation and exposure; `*` for all. */
  permissions: string[];
  /** Every permission on every resource of its scope. */
  admin: boolean;
  /** Allows writing (nearly) everything of its scope: a wildcard grant. */
  wildcard: boolean;
}

export const GCP_ROLES: Record<string, RoleInfo> = {
  'roles/owner': { permissions: ['*'], admin: true, wildcard: true },
  'roles/editor': { permissions: ['*.create', '*.update', '*.delete', '*.get', '*.list', 'iam.serviceAccounts.actAs'], admin: false, wildcard: true },
  'roles/viewer': { permissions: ['*.get', '*.list'], admin: false, wildcard: false },
  'roles/resourcemanager.projectIamAdmin': { permissions: ['resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy'], admin: false, wildcard: false },
  'roles/iam.securityAdmin': { permissions: ['resourcemanager.projects.setIamPolicy', 'iam.serviceAccounts.setIamPolicy', 'iam.roles.get', 'iam.roles.list'], admin: false, wildcard: false },
  'roles/iam.serviceAccountTokenCreator': {
    permissions: ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt', 'iam.serviceAccounts.implicitDelegation', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list'],
    admin: false,
    wildcard: false,
  },
  'roles/iam.serviceAccountUser': { permissions: ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list'], admin: false, wildcard: false },
  'roles/iam.serviceAccountKeyAdmin': { permissions: ['iam.serviceAccountKeys.create', 'iam.serviceAccountKeys.delete', 'iam.serviceAccountKeys.get', 'iam.serviceAccountKeys.list'], admin: false, wildcard: false },
  'roles/iam.serviceAccountAdmin': {
    permissions: ['iam.serviceAccounts.create', 'iam.serviceAccounts.delete', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list', 'iam.serviceAccounts.update', 'iam.serviceAccounts.getIamPolicy', 'iam.serviceAccounts.setIamPolicy', 'iam.serviceAccounts.disable', 'iam.serviceAccounts.enable'],
    admin: false,
    wildcard: false,
  },
  'roles/storage.admin': { permissions: ['storage.buckets.*', 'storage.objects.*'], admin: false, wildcard: false },
  'roles/storage.objectAdmin': { permissions: ['storage.objects.*'], admin: false, wildcard: false },
  'roles/storage.objectViewer': { permissions: ['storage.objects.get', 'storage.objects.list'], admin: false, wildcard: false },
  'roles/secretmanager.secretAccessor': { permissions: ['secretmanager.versions.access'], admin: false, wildcard: false },
  'roles/secretmanager.admin': { permissions: ['secretmanager.*'], admin: false, wildcard: false },
  'roles/cloudfunctions.developer': { permissions: ['cloudfunctions.functions.create', 'cloudfunctions.functions.update', 'cloudfunctions.functions.call'], admin: false, wildcard: false },
  'roles/compute.instanceAdmin.v1': { permissions: ['compute.instances.*'], admin: false, wildcard: false },
  'roles/container.admin': { permissions: ['container.*'], admin: false, wildcard: false },
  'roles/logging.admin': { permissions: ['logging.*'], admin: false, wildcard: false },
};

export const AZURE_ROLES: Record<string, RoleInfo> = {
  Owner: { permissions: ['*'], admin: true, wildcard: true },
  Contributor: { permissions: ['*', 'not Microsoft.Authorization/*/Write', 'not Microsoft.Authorization/*/Delete'], admin: false, wildcard: true },
  Reader: { permissions: ['*/read'], admin: false, wildcard: false },
  'User Access Administrator': { permissions: ['*/read', 'Microsoft.Authorization/*'], admin: false, wildcard: false },
  'Role Based Access Control Administrator': { permissions: ['*/read', 'Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete'], admin: false, wildcard: false },
  'Key Vault Administrator': { permissions: ['Microsoft.KeyVault/*'], admin: false, wildcard: false },
  'Key Vault Secrets User': { permissions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'], admin: false, wildcard: false },
  'Storage Blob Data Owner': { permissions: ['Microsoft.Storage/storageAccounts/blobServices/containers/*'], admin: false, wildcard: false },
  'Storage Blob Data Contributor': { permissions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'], admin: false, wildcard: false },
  'Storage Blob Data Reader': { permissions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'], admin: false, wildcard: false },
  'Virtual Machine Contributor': { permissions: ['Microsoft.Compute/virtualMachines/*', 'Microsoft.Compute/virtualMachines/runCommand/action'], admin: false, wildcard: false },
  'Managed Identity Operator': { permissions: ['Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action'], admin: false, wildcard: false },
};

/** Roles that let their holder assign roles at their scope: to themselves, Owner. */
export const AZURE_ROLE_ASSIGNERS = new Set(['User Access Administrator', 'Role Based Access Control Administrator']);
