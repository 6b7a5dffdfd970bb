// kafkajs is CommonJS and Node's ESM loader only sees some of its named exports; take the enums from the
// default export here so every other module imports them by name.
import kafkajs from 'kafkajs';

export const { ConfigResourceTypes, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
