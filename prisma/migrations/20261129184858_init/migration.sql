-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RegionLevel" AS ENUM ('PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE');

-- CreateEnum
CREATE TYPE "HouseholdCategory" AS ENUM ('NOT_YET_OUT', 'MONITORED', 'EDGE', 'RELOCATED', 'OTHER');

-- CreateEnum
CREATE TYPE "LaborCapacity" AS ENUM ('FULL', 'PARTIAL', 'NONE');

-- CreateEnum
CREATE TYPE "EmploymentStatus" AS ENUM ('EMPLOYED_LOCAL', 'EMPLOYED_IN_PROVINCE', 'EMPLOYED_OUT_OF_PROVINCE', 'EMPLOYED_JIANGSU', 'PUBLIC_WELFARE_POST', 'SELF_EMPLOYED', 'UNEMPLOYED', 'RETURNED_HOME', 'UNABLE_TO_WORK', 'TEMPORARILY_UNWILLING', 'UNKNOWN');

-- CreateEnum
CREATE TYPE "FamilyRelation" AS ENUM ('SPOUSE', 'PARENT', 'CHILD', 'SIBLING', 'GRANDPARENT', 'OTHER');

-- CreateEnum
CREATE TYPE "EventSource" AS ENUM ('WORKER', 'FAMILY', 'STAFF', 'IMPORT', 'SYSTEM');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('SMS', 'VOICE', 'TELEGRAM', 'API', 'CLI', 'IMPORT');

-- CreateEnum
CREATE TYPE "ServiceKind" AS ENUM ('JOB_LEAD', 'TRAINING_OFFER', 'STAFF_CALL', 'POLICY_NOTICE');

-- CreateEnum
CREATE TYPE "JobLeadStatus" AS ENUM ('OPEN', 'FILLED', 'EXPIRED', 'CLOSED');

-- CreateEnum
CREATE TYPE "ConfirmationKind" AS ENUM ('STATUS', 'TEMPORARILY_UNWILLING');

-- CreateEnum
CREATE TYPE "ConfirmerType" AS ENUM ('WORKER', 'FAMILY');

-- CreateEnum
CREATE TYPE "VerificationMethod" AS ENUM ('REGISTERED_FAMILY_NUMBER', 'WORKER_OTP', 'STAFF_APPROVAL');

-- CreateEnum
CREATE TYPE "ConfirmationStatus" AS ENUM ('REQUESTED', 'CONFIRMED', 'DISPUTED', 'EXPIRED', 'APPROVED', 'REJECTED');

-- CreateEnum
CREATE TYPE "CampaignKind" AS ENUM ('POLICY_NOTICE', 'JOB_LEADS', 'TRAINING_LIST', 'ZERO_EMPLOYMENT', 'CHECK_IN', 'TRAINING_FOLLOW_UP');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('DRAFT', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('BROADCAST', 'REPLY', 'FLOW', 'OTP');

-- CreateEnum
CREATE TYPE "SessionStatus" AS ENUM ('ACTIVE', 'COMPLETED', 'EXPIRED', 'ESCALATED');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('OPEN', 'DONE', 'CANCELLED');

-- CreateTable
CREATE TABLE "Region" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "RegionLevel" NOT NULL,
    "parentId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResettlementSite" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "regionId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResettlementSite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Household" (
    "id" SERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "headName" TEXT,
    "category" "HouseholdCategory" NOT NULL,
    "villageId" INTEGER NOT NULL,
    "townshipId" INTEGER NOT NULL,
    "countyId" INTEGER NOT NULL,
    "cityId" INTEGER NOT NULL,
    "provinceId" INTEGER NOT NULL,
    "siteId" INTEGER,
    "address" TEXT,
    "laborCount" INTEGER NOT NULL DEFAULT 0,
    "employedCount" INTEGER NOT NULL DEFAULT 0,
    "zeroEmployment" BOOLEAN NOT NULL DEFAULT false,
    "zeroEmploymentSince" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Household_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" SERIAL NOT NULL,
    "householdId" INTEGER NOT NULL,
    "villageId" INTEGER NOT NULL,
    "townshipId" INTEGER NOT NULL,
    "countyId" INTEGER NOT NULL,
    "cityId" INTEGER NOT NULL,
    "provinceId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "idHash" TEXT NOT NULL,
    "idLast4" TEXT NOT NULL,
    "gender" TEXT,
    "birthYear" INTEGER,
    "phone" TEXT,
    "telegramChatId" BIGINT,
    "language" TEXT NOT NULL DEFAULT 'zh-CN',
    "needsVoice" BOOLEAN NOT NULL DEFAULT false,
    "laborCapacity" "LaborCapacity" NOT NULL DEFAULT 'FULL',
    "willingToWorkAway" BOOLEAN,
    "skills" TEXT[],
    "isReturnee" BOOLEAN NOT NULL DEFAULT false,
    "countyConfirmed" BOOLEAN NOT NULL DEFAULT false,
    "currentStatus" "EmploymentStatus" NOT NULL DEFAULT 'UNKNOWN',
    "currentEventId" BIGINT,
    "statusConfirmedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FamilyContact" (
    "id" SERIAL NOT NULL,
    "workerId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "relation" "FamilyRelation" NOT NULL,
    "phone" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "verifiedAt" TIMESTAMP(3),
    "verifiedById" INTEGER,
    "language" TEXT NOT NULL DEFAULT 'zh-CN',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FamilyContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmploymentEvent" (
    "id" BIGSERIAL NOT NULL,
    "workerId" INTEGER NOT NULL,
    "status" "EmploymentStatus" NOT NULL,
    "employer" TEXT,
    "place" TEXT,
    "industry" TEXT,
    "monthlyWage" INTEGER,
    "insured" BOOLEAN,
    "reason" TEXT,
    "effectiveDate" DATE NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" "EventSource" NOT NULL,
    "channel" "Channel" NOT NULL,
    "inboundMessageId" BIGINT,
    "callSid" TEXT,
    "familyContactId" INTEGER,
    "reportedById" INTEGER,
    "importId" INTEGER,
    "jobLeadId" INTEGER,
    "verifiedById" INTEGER,
    "verifiedAt" TIMESTAMP(3),

    CONSTRAINT "EmploymentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceContact" (
    "id" BIGSERIAL NOT NULL,
    "kind" "ServiceKind" NOT NULL,
    "workerId" INTEGER NOT NULL,
    "householdId" INTEGER NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "channel" "Channel" NOT NULL,
    "campaignId" INTEGER,
    "outboundMessageId" BIGINT,
    "jobLeadId" INTEGER,
    "staffUserId" INTEGER,
    "note" TEXT,

    CONSTRAINT "ServiceContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLead" (
    "id" SERIAL NOT NULL,
    "regionId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "employer" TEXT NOT NULL,
    "place" TEXT NOT NULL,
    "outOfProvince" BOOLEAN NOT NULL DEFAULT false,
    "partnerCity" TEXT,
    "industry" TEXT,
    "wageMin" INTEGER,
    "wageMax" INTEGER,
    "slots" INTEGER NOT NULL DEFAULT 1,
    "requirements" TEXT,
    "skills" TEXT[],
    "source" TEXT,
    "status" "JobLeadStatus" NOT NULL DEFAULT 'OPEN',
    "expiresAt" TIMESTAMP(3),
    "createdById" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobLeadInterest" (
    "id" SERIAL NOT NULL,
    "jobLeadId" INTEGER NOT NULL,
    "workerId" INTEGER NOT NULL,
    "channel" "Channel" NOT NULL,
    "inboundMessageId" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobLeadInterest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingInstitution" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "regionId" INTEGER NOT NULL,
    "phone" TEXT,
    "telegramChatId" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingInstitution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingCourse" (
    "id" SERIAL NOT NULL,
    "institutionId" INTEGER NOT NULL,
    "trade" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "startDate" DATE NOT NULL,
    "endDate" DATE NOT NULL,
    "capacity" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingCourse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingEnrollment" (
    "id" SERIAL NOT NULL,
    "courseId" INTEGER NOT NULL,
    "workerId" INTEGER NOT NULL,
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "followUpAt" TIMESTAMP(3),
    "employedWithinMonth" BOOLEAN,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingEnrollment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingRequest" (
    "id" SERIAL NOT NULL,
    "workerId" INTEGER NOT NULL,
    "trade" TEXT NOT NULL,
    "preferredMonth" TEXT,
    "listMonth" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "inboundMessageId" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PublicWelfarePost" (
    "id" SERIAL NOT NULL,
    "workerId" INTEGER NOT NULL,
    "postName" TEXT NOT NULL,
    "unit" TEXT,
    "regionId" INTEGER NOT NULL,
    "startDate" DATE NOT NULL,
    "endDate" DATE NOT NULL,
    "monthlySubsidy" INTEGER,
    "extensionApprovedById" INTEGER,
    "extensionApprovedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PublicWelfarePost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Employer" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "regionId" INTEGER NOT NULL,
    "isKey" BOOLEAN NOT NULL DEFAULT false,
    "phone" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Employer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmployerHeadcount" (
    "id" SERIAL NOT NULL,
    "employerId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "headcount" INTEGER NOT NULL,
    "povertyWorkers" INTEGER NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmployerHeadcount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Confirmation" (
    "id" SERIAL NOT NULL,
    "kind" "ConfirmationKind" NOT NULL,
    "workerId" INTEGER NOT NULL,
    "householdId" INTEGER NOT NULL,
    "statement" TEXT NOT NULL,
    "reason" TEXT,
    "confirmerType" "ConfirmerType",
    "familyContactId" INTEGER,
    "relation" "FamilyRelation",
    "confirmerPhone" TEXT,
    "channel" "Channel",
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "verificationMethod" "VerificationMethod",
    "status" "ConfirmationStatus" NOT NULL DEFAULT 'REQUESTED',
    "requestedById" INTEGER,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "respondedAt" TIMESTAMP(3),
    "reviewedById" INTEGER,
    "reviewedAt" TIMESTAMP(3),
    "reviewNote" TEXT,

    CONSTRAINT "Confirmation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "CampaignKind" NOT NULL,
    "status" "CampaignStatus" NOT NULL DEFAULT 'DRAFT',
    "regionId" INTEGER NOT NULL,
    "audience" JSONB NOT NULL DEFAULT '{}',
    "content" JSONB NOT NULL DEFAULT '{}',
    "scheduleAt" TIMESTAMP(3),
    "cron" TEXT,
    "createdById" INTEGER,
    "launchedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "recipients" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundMessage" (
    "id" BIGSERIAL NOT NULL,
    "kind" "MessageKind" NOT NULL,
    "campaignId" INTEGER,
    "workerId" INTEGER,
    "familyContactId" INTEGER,
    "channel" "Channel" NOT NULL,
    "toAddress" TEXT,
    "language" TEXT NOT NULL DEFAULT 'zh-CN',
    "body" TEXT NOT NULL,
    "inReplyToId" BIGINT,
    "status" "MessageStatus" NOT NULL DEFAULT 'QUEUED',
    "providerId" TEXT,
    "segments" INTEGER NOT NULL DEFAULT 1,
    "errorCode" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),

    CONSTRAINT "OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" BIGSERIAL NOT NULL,
    "channel" "Channel" NOT NULL,
    "providerId" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "workerId" INTEGER,
    "familyContactId" INTEGER,
    "text" TEXT,
    "payload" JSONB,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "handledAt" TIMESTAMP(3),

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationSession" (
    "id" SERIAL NOT NULL,
    "channel" "Channel" NOT NULL,
    "address" TEXT NOT NULL,
    "activeKey" TEXT,
    "workerId" INTEGER,
    "familyContactId" INTEGER,
    "flow" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "state" JSONB NOT NULL DEFAULT '{}',
    "status" "SessionStatus" NOT NULL DEFAULT 'ACTIVE',
    "retries" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConversationSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OptOut" (
    "id" SERIAL NOT NULL,
    "channel" "Channel" NOT NULL,
    "address" TEXT NOT NULL,
    "workerId" INTEGER,
    "optedOutAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "optedInAt" TIMESTAMP(3),
    "source" TEXT NOT NULL,

    CONSTRAINT "OptOut_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffUser" (
    "id" SERIAL NOT NULL,
    "username" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL,
    "regionId" INTEGER NOT NULL,
    "phone" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StaffUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "staffUserId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "staffUserId" INTEGER,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT,
    "regionId" INTEGER,
    "details" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffTask" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "regionId" INTEGER NOT NULL,
    "workerId" INTEGER,
    "householdId" INTEGER,
    "inboundMessageId" BIGINT,
    "title" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "status" "TaskStatus" NOT NULL DEFAULT 'OPEN',
    "dueAt" TIMESTAMP(3),
    "assigneeId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "StaffTask_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportRun" (
    "id" SERIAL NOT NULL,
    "fileName" TEXT NOT NULL,
    "staffUserId" INTEGER,
    "rows" INTEGER NOT NULL DEFAULT 0,
    "imported" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ImportRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Region_code_key" ON "Region"("code");

-- CreateIndex
CREATE INDEX "Region_parentId_idx" ON "Region"("parentId");

-- CreateIndex
CREATE INDEX "Region_level_idx" ON "Region"("level");

-- CreateIndex
CREATE UNIQUE INDEX "ResettlementSite_code_key" ON "ResettlementSite"("code");

-- CreateIndex
CREATE INDEX "ResettlementSite_regionId_idx" ON "ResettlementSite"("regionId");

-- CreateIndex
CREATE UNIQUE INDEX "Household_code_key" ON "Household"("code");

-- CreateIndex
CREATE INDEX "Household_countyId_zeroEmployment_idx" ON "Household"("countyId", "zeroEmployment");

-- CreateIndex
CREATE INDEX "Household_townshipId_idx" ON "Household"("townshipId");

-- CreateIndex
CREATE INDEX "Household_villageId_idx" ON "Household"("villageId");

-- CreateIndex
CREATE INDEX "Household_siteId_idx" ON "Household"("siteId");

-- CreateIndex
CREATE UNIQUE INDEX "Worker_idHash_key" ON "Worker"("idHash");

-- CreateIndex
CREATE UNIQUE INDEX "Worker_telegramChatId_key" ON "Worker"("telegramChatId");

-- CreateIndex
CREATE UNIQUE INDEX "Worker_currentEventId_key" ON "Worker"("currentEventId");

-- CreateIndex
CREATE INDEX "Worker_householdId_idx" ON "Worker"("householdId");

-- CreateIndex
CREATE INDEX "Worker_phone_idx" ON "Worker"("phone");

-- CreateIndex
CREATE INDEX "Worker_countyId_currentStatus_idx" ON "Worker"("countyId", "currentStatus");

-- CreateIndex
CREATE INDEX "Worker_townshipId_currentStatus_idx" ON "Worker"("townshipId", "currentStatus");

-- CreateIndex
CREATE INDEX "Worker_villageId_currentStatus_idx" ON "Worker"("villageId", "currentStatus");

-- CreateIndex
CREATE INDEX "Worker_statusConfirmedAt_idx" ON "Worker"("statusConfirmedAt");

-- CreateIndex
CREATE INDEX "FamilyContact_phone_idx" ON "FamilyContact"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "FamilyContact_workerId_phone_key" ON "FamilyContact"("workerId", "phone");

-- CreateIndex
CREATE INDEX "EmploymentEvent_workerId_effectiveDate_idx" ON "EmploymentEvent"("workerId", "effectiveDate");

-- CreateIndex
CREATE INDEX "EmploymentEvent_reportedAt_idx" ON "EmploymentEvent"("reportedAt");

-- CreateIndex
CREATE INDEX "ServiceContact_workerId_occurredAt_idx" ON "ServiceContact"("workerId", "occurredAt");

-- CreateIndex
CREATE INDEX "ServiceContact_householdId_occurredAt_idx" ON "ServiceContact"("householdId", "occurredAt");

-- CreateIndex
CREATE INDEX "ServiceContact_outboundMessageId_idx" ON "ServiceContact"("outboundMessageId");

-- CreateIndex
CREATE INDEX "JobLead_regionId_status_idx" ON "JobLead"("regionId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "JobLeadInterest_jobLeadId_workerId_key" ON "JobLeadInterest"("jobLeadId", "workerId");

-- CreateIndex
CREATE INDEX "TrainingInstitution_regionId_idx" ON "TrainingInstitution"("regionId");

-- CreateIndex
CREATE INDEX "TrainingCourse_institutionId_idx" ON "TrainingCourse"("institutionId");

-- CreateIndex
CREATE INDEX "TrainingCourse_endDate_idx" ON "TrainingCourse"("endDate");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingEnrollment_courseId_workerId_key" ON "TrainingEnrollment"("courseId", "workerId");

-- CreateIndex
CREATE INDEX "TrainingRequest_listMonth_idx" ON "TrainingRequest"("listMonth");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingRequest_workerId_trade_listMonth_key" ON "TrainingRequest"("workerId", "trade", "listMonth");

-- CreateIndex
CREATE INDEX "PublicWelfarePost_workerId_idx" ON "PublicWelfarePost"("workerId");

-- CreateIndex
CREATE INDEX "PublicWelfarePost_regionId_endDate_idx" ON "PublicWelfarePost"("regionId", "endDate");

-- CreateIndex
CREATE INDEX "Employer_regionId_idx" ON "Employer"("regionId");

-- CreateIndex
CREATE UNIQUE INDEX "EmployerHeadcount_employerId_month_key" ON "EmployerHeadcount"("employerId", "month");

-- CreateIndex
CREATE INDEX "Confirmation_workerId_idx" ON "Confirmation"("workerId");

-- CreateIndex
CREATE INDEX "Confirmation_status_idx" ON "Confirmation"("status");

-- CreateIndex
CREATE INDEX "Campaign_regionId_status_idx" ON "Campaign"("regionId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_providerId_key" ON "OutboundMessage"("providerId");

-- CreateIndex
CREATE INDEX "OutboundMessage_campaignId_status_idx" ON "OutboundMessage"("campaignId", "status");

-- CreateIndex
CREATE INDEX "OutboundMessage_workerId_queuedAt_idx" ON "OutboundMessage"("workerId", "queuedAt");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_campaignId_workerId_channel_key" ON "OutboundMessage"("campaignId", "workerId", "channel");

-- CreateIndex
CREATE INDEX "InboundMessage_workerId_receivedAt_idx" ON "InboundMessage"("workerId", "receivedAt");

-- CreateIndex
CREATE INDEX "InboundMessage_handledAt_idx" ON "InboundMessage"("handledAt");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_channel_providerId_key" ON "InboundMessage"("channel", "providerId");

-- CreateIndex
CREATE UNIQUE INDEX "ConversationSession_activeKey_key" ON "ConversationSession"("activeKey");

-- CreateIndex
CREATE INDEX "ConversationSession_workerId_idx" ON "ConversationSession"("workerId");

-- CreateIndex
CREATE INDEX "ConversationSession_status_expiresAt_idx" ON "ConversationSession"("status", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "OptOut_channel_address_key" ON "OptOut"("channel", "address");

-- CreateIndex
CREATE UNIQUE INDEX "StaffUser_username_key" ON "StaffUser"("username");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AuditLog_entity_entityId_idx" ON "AuditLog"("entity", "entityId");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "StaffTask_regionId_status_idx" ON "StaffTask"("regionId", "status");

-- AddForeignKey
ALTER TABLE "Region" ADD CONSTRAINT "Region_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Region"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResettlementSite" ADD CONSTRAINT "ResettlementSite_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Household" ADD CONSTRAINT "Household_villageId_fkey" FOREIGN KEY ("villageId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Household" ADD CONSTRAINT "Household_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "ResettlementSite"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Worker" ADD CONSTRAINT "Worker_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Worker" ADD CONSTRAINT "Worker_currentEventId_fkey" FOREIGN KEY ("currentEventId") REFERENCES "EmploymentEvent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FamilyContact" ADD CONSTRAINT "FamilyContact_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FamilyContact" ADD CONSTRAINT "FamilyContact_verifiedById_fkey" FOREIGN KEY ("verifiedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_inboundMessageId_fkey" FOREIGN KEY ("inboundMessageId") REFERENCES "InboundMessage"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_familyContactId_fkey" FOREIGN KEY ("familyContactId") REFERENCES "FamilyContact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_reportedById_fkey" FOREIGN KEY ("reportedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_importId_fkey" FOREIGN KEY ("importId") REFERENCES "ImportRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_jobLeadId_fkey" FOREIGN KEY ("jobLeadId") REFERENCES "JobLead"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_verifiedById_fkey" FOREIGN KEY ("verifiedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_outboundMessageId_fkey" FOREIGN KEY ("outboundMessageId") REFERENCES "OutboundMessage"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_jobLeadId_fkey" FOREIGN KEY ("jobLeadId") REFERENCES "JobLead"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLead" ADD CONSTRAINT "JobLead_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLead" ADD CONSTRAINT "JobLead_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLeadInterest" ADD CONSTRAINT "JobLeadInterest_jobLeadId_fkey" FOREIGN KEY ("jobLeadId") REFERENCES "JobLead"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobLeadInterest" ADD CONSTRAINT "JobLeadInterest_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingInstitution" ADD CONSTRAINT "TrainingInstitution_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingCourse" ADD CONSTRAINT "TrainingCourse_institutionId_fkey" FOREIGN KEY ("institutionId") REFERENCES "TrainingInstitution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEnrollment" ADD CONSTRAINT "TrainingEnrollment_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "TrainingCourse"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEnrollment" ADD CONSTRAINT "TrainingEnrollment_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingRequest" ADD CONSTRAINT "TrainingRequest_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PublicWelfarePost" ADD CONSTRAINT "PublicWelfarePost_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PublicWelfarePost" ADD CONSTRAINT "PublicWelfarePost_extensionApprovedById_fkey" FOREIGN KEY ("extensionApprovedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Employer" ADD CONSTRAINT "Employer_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerHeadcount" ADD CONSTRAINT "EmployerHeadcount_employerId_fkey" FOREIGN KEY ("employerId") REFERENCES "Employer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_familyContactId_fkey" FOREIGN KEY ("familyContactId") REFERENCES "FamilyContact"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_reviewedById_fkey" FOREIGN KEY ("reviewedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboundMessage" ADD CONSTRAINT "InboundMessage_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConversationSession" ADD CONSTRAINT "ConversationSession_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffUser" ADD CONSTRAINT "StaffUser_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffTask" ADD CONSTRAINT "StaffTask_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffTask" ADD CONSTRAINT "StaffTask_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffTask" ADD CONSTRAINT "StaffTask_householdId_fkey" FOREIGN KEY ("householdId") REFERENCES "Household"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StaffTask" ADD CONSTRAINT "StaffTask_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportRun" ADD CONSTRAINT "ImportRun_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;
