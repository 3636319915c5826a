// Ids of the Azure built-in role definitions the Bicep tests talk about (the same in every tenant), named once so
// the compiled-template checks and the snapshot checks mean the same role by the same name.
export const builtInRole = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  aksClusterUser: '4abbcc35-e782-43d8-92c5-2d3f1bd2253f',
  aksRbacClusterAdmin: 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b',
  managedIdentityContributor: 'e40ec5ca-96e0-45a2-b4ff-59039f2c2b59',
};

/** Every built-in role elb-control grants anyone. Adding one is a deliberate change to this list (and to bicep/README.md). */
export const grantedBuiltInRoles: ReadonlySet<string> = new Set([
  builtInRole.monitoringMetricsPublisher,
  builtInRole.storageBlobDataOwner,
  builtInRole.storageBlobDataContributor,
  builtInRole.storageQueueDataContributor,
  builtInRole.storageTableDataContributor,
  builtInRole.keyVaultSecretsUser,
  builtInRole.acrPull,
  builtInRole.aksClusterUser,
  builtInRole.aksRbacClusterAdmin,
  builtInRole.managedIdentityContributor,
  builtInRole.rbacAdministrator,
]);
