-- CreateEnum
CREATE TYPE "ProductionStatus" AS ENUM ('NORMAL', 'REDUCED', 'STOPPED');

-- CreateEnum
CREATE TYPE "HeadcountSource" AS ENUM ('EMPLOYER_LINK', 'STAFF_PHONE');

-- AlterEnum
ALTER TYPE "MessageKind" ADD VALUE 'SURVEY';

-- DropIndex
DROP INDEX "EmployerHeadcount_employerId_month_key";

-- AlterTable
ALTER TABLE "Employer" ADD COLUMN     "contactName" TEXT,
ADD COLUMN     "creditCode" TEXT,
ADD COLUMN     "removedAt" TIMESTAMP(3),
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "EmployerHeadcount" ADD COLUMN     "channel" "Channel",
ADD COLUMN     "discrepancies" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "enteredById" INTEGER,
ADD COLUMN     "explanation" TEXT,
ADD COLUMN     "hires" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "hiresPoor" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "production" "ProductionStatus" NOT NULL DEFAULT 'NORMAL',
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "separationsContract" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "separationsLayoff" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "separationsPoor" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "separationsResigned" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "separationsSeasonal" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "source" "HeadcountSource" NOT NULL DEFAULT 'EMPLOYER_LINK',
ADD COLUMN     "vacancies" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "wageMax" INTEGER,
ADD COLUMN     "wageMin" INTEGER;

-- CreateTable
CREATE TABLE "EmployerLayoff" (
    "id" SERIAL NOT NULL,
    "employerId" INTEGER NOT NULL,
    "headcountId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT,
    "idLast4" TEXT,
    "workerId" INTEGER,
    "followedUpAt" TIMESTAMP(3),
    "followUp" TEXT,
    "taskId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmployerLayoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmployerSurveyMessage" (
    "id" SERIAL NOT NULL,
    "employerId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "outboundMessageId" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmployerSurveyMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmployerSurveyMonth" (
    "id" SERIAL NOT NULL,
    "regionId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "reopenedUntil" TIMESTAMP(3) NOT NULL,
    "reopenedById" INTEGER NOT NULL,
    "reopenedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reopenings" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "EmployerSurveyMonth_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EmployerLayoff_followedUpAt_workerId_idx" ON "EmployerLayoff"("followedUpAt", "workerId");

-- CreateIndex
CREATE INDEX "EmployerLayoff_employerId_month_idx" ON "EmployerLayoff"("employerId", "month");

-- CreateIndex
CREATE UNIQUE INDEX "EmployerSurveyMessage_employerId_month_purpose_key" ON "EmployerSurveyMessage"("employerId", "month", "purpose");

-- CreateIndex
CREATE UNIQUE INDEX "EmployerSurveyMonth_regionId_month_key" ON "EmployerSurveyMonth"("regionId", "month");

-- CreateIndex
CREATE UNIQUE INDEX "Employer_creditCode_key" ON "Employer"("creditCode");

-- CreateIndex
CREATE UNIQUE INDEX "EmployerHeadcount_employerId_month_revision_key" ON "EmployerHeadcount"("employerId", "month", "revision");

-- AddForeignKey
ALTER TABLE "EmployerHeadcount" ADD CONSTRAINT "EmployerHeadcount_enteredById_fkey" FOREIGN KEY ("enteredById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerLayoff" ADD CONSTRAINT "EmployerLayoff_employerId_fkey" FOREIGN KEY ("employerId") REFERENCES "Employer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerLayoff" ADD CONSTRAINT "EmployerLayoff_headcountId_fkey" FOREIGN KEY ("headcountId") REFERENCES "EmployerHeadcount"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerLayoff" ADD CONSTRAINT "EmployerLayoff_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerSurveyMessage" ADD CONSTRAINT "EmployerSurveyMessage_employerId_fkey" FOREIGN KEY ("employerId") REFERENCES "Employer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerSurveyMonth" ADD CONSTRAINT "EmployerSurveyMonth_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EmployerSurveyMonth" ADD CONSTRAINT "EmployerSurveyMonth_reopenedById_fkey" FOREIGN KEY ("reopenedById") REFERENCES "StaffUser"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
